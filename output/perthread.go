package output

import (
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/waittrace/waittrace/event"
	"github.com/waittrace/waittrace/outfile"
)

// PerThread writes one text trace per thread, to PREFIX.TID (strace's -o
// FILE -ff). Lines carry no pid prefix, and a call is never cut by another
// thread's line, since every file has one thread.
type PerThread struct {
	prefix  string
	append  bool // -A: append to files of an earlier run
	opt     TextOptions
	writers map[int]*TextWriter
	files   map[int]*os.File
	seen    map[int]bool
	err     error
}

// NewPerThread returns a PerThread writer for files named prefix.TID,
// truncated, or appended to with appendMode (-A). opt.Out receives the
// alerts, the summary and the report; opt.Messages still receives attach
// messages.
func NewPerThread(prefix string, appendMode bool, opt TextOptions) *PerThread {
	opt.ToFile, opt.Follow = true, false
	return &PerThread{prefix: prefix, append: appendMode, opt: opt, writers: map[int]*TextWriter{},
		files: map[int]*os.File{}, seen: map[int]bool{}}
}

func (p *PerThread) writer(tid int) *TextWriter {
	if w := p.writers[tid]; w != nil {
		return w
	}
	// The names are predictable (FILE.TID): outfile refuses anything but
	// a regular file of ours (no planted symlink, file or FIFO), and never
	// blocks the stop loop. A tid seen again (reused) appends.
	mode := outfile.ModeTruncate
	if p.seen[tid] || p.append {
		mode = outfile.ModeAppend
	}
	p.seen[tid] = true
	opt := p.opt
	f, err := outfile.OpenPerProcess(p.prefix+"."+strconv.Itoa(tid), mode)
	if err != nil {
		p.err = errors.Join(p.err, err)
		opt.Out = io.Discard
	} else {
		p.files[tid] = f
		opt.Out = f
	}
	opt.Initial = 1
	w := NewTextWriter(opt)
	p.writers[tid] = w
	return w
}

// Record implements event.Sink.
func (p *PerThread) Record(ev *event.Event) {
	switch ev.Kind {
	case event.AlertFired, event.SummaryReady, event.ReportReady:
		text, err := analysisText(ev, p.opt.Color)
		p.err = errors.Join(p.err, err)
		if _, err := io.WriteString(p.opt.Out, text); err != nil {
			p.err = errors.Join(p.err, err)
		}
		return
	}
	tid := ev.Proc.Tid
	p.writer(tid).Record(ev)
	switch ev.Kind {
	case event.ProcessExited, event.ProcessKilled, event.Superseded, event.Untraced:
		p.finish(tid)
	}
}

func (p *PerThread) finish(tid int) {
	if w := p.writers[tid]; w != nil {
		p.err = errors.Join(p.err, w.Close())
	}
	if f := p.files[tid]; f != nil {
		p.err = errors.Join(p.err, f.Close())
	}
	delete(p.writers, tid)
	delete(p.files, tid)
}

// Close implements event.Sink.
func (p *PerThread) Close() error {
	for tid := range p.writers {
		p.finish(tid)
	}
	return p.err
}

// Err returns the first error opening or writing a file.
func (p *PerThread) Err() error { return p.err }
