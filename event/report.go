package event

import (
	"time"

	"github.com/waittrace/waittrace/stack"
)

// Alert is one alert of the analysis, fired once per kind and process.
type Alert struct {
	Kind    string    `json:"kind"`
	Pid     int       `json:"pid"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
	// Stolen holds both sides of a "stolen" alert.
	Stolen *Theft `json:"stolen,omitempty"`
}

// Report is the end-of-trace analysis of who reaped whom: the process tree
// and the wait calls of every process that made any.
type Report struct {
	Follow    bool       `json:"follow"`
	Processes []*ReapsOf `json:"processes"` // the roots of the tree
	Reapers   []Reaper   `json:"reapers"`
	Alerts    []Alert    `json:"alerts"`
}

// ReapsOf is one traced process of the report and what became of it.
type ReapsOf struct {
	Pid     int      `json:"pid"`
	Parent  int      `json:"parent"`
	Argv    []string `json:"argv"`
	Threads []int    `json:"threads,omitempty"`
	// State: "exited", "killed", "running" (when the trace ended) or
	// "detached".
	State  string `json:"state"`
	Status *int   `json:"exit_status,omitempty"`
	Signal string `json:"signal,omitempty"`
	Core   bool   `json:"core_dumped,omitempty"`
	// Fate: "reaped", "reaped-by-tracer", "auto-reaped", "lost" (its
	// parent exited first), "unreaped", "outside" (parent not traced) or
	// "" while it runs.
	Fate       string `json:"fate,omitempty"`
	ReapedBy   int    `json:"reaped_by,omitempty"`
	ReaperComm string `json:"reaper_comm,omitempty"`
	Call       string `json:"call,omitempty"`
	// LatencyNS is from its exit to the wait call that collected it.
	LatencyNS int64 `json:"latency_ns,omitempty"`
	// ReapedAt names where the collecting call was made ("on_sigchld
	// (handler.c:41)"), and ReapStack holds the top frames of its stack,
	// when stacks were unwound (-k, --reaps=stacks).
	ReapedAt  string        `json:"reaped_at,omitempty"`
	ReapStack []stack.Frame `json:"reap_stack,omitempty"`
	// Reparented: its parent exited before it; OrphanedBy is that parent.
	OrphanedBy int        `json:"orphaned_by,omitempty"`
	Children   []*ReapsOf `json:"children,omitempty"`
}

// Reaper is the wait calls of one traced process.
type Reaper struct {
	Pid       int    `json:"pid"`
	Comm      string `json:"comm"`
	Calls     int    `json:"calls"`
	Found     int    `json:"found"`      // returned a child
	None      int    `json:"none"`       // WNOHANG: no child ready (0)
	ECHILD    int    `json:"echild"`     // no child to wait for
	EINTR     int    `json:"eintr"`      // interrupted by a signal
	Restarted int    `json:"restarted"`  // ERESTART*: restarted after a signal
	Other     int    `json:"other"`      // EFAULT, EINVAL...
	Reaped    int    `json:"reaped"`     // exit statuses collected
	MinNS     int64  `json:"min_ns"`     // exit-to-reap latency
	MedianNS  int64  `json:"median_ns"`  //
	MaxNS     int64  `json:"max_ns"`     //
	ReapedIDs []int  `json:"reaped_ids"` //
}

// Summary is the -c table: per call and personality, how many calls, how
// long they took and what they found, and how strace's -c options (-w, -O,
// -S, -U) asked for it to be counted and printed.
type Summary struct {
	Rows []SummaryRow `json:"calls"`
	// Clock is the time counted: ClockSystem, the system CPU time the
	// tracee spent in each call (strace -c), or ClockWall, the wall-clock
	// time from its entry to its exit stop (strace -c -w).
	Clock string `json:"clock"`
	// Overhead was subtracted from the time of each call, clamped at
	// zero, before it was counted (-O).
	Overhead time.Duration `json:"overhead_ns,omitempty"`
	// SortBy is the order of the rows (-S): "time" (also ""), "min-time",
	// "max-time", "avg-time", "calls", "errors", "name" or "nothing".
	SortBy string `json:"sort_by,omitempty"`
	// Columns are the columns of the table, in order (-U): "time-percent",
	// "total-time", "min-time", "max-time", "avg-time", "calls", "errors",
	// "name"; nil: strace's default.
	Columns []string `json:"columns,omitempty"`
	// Outcomes adds waittrace's table of what the calls found (a child,
	// none yet, ECHILD...) after strace's, in text; with --reaps only, so
	// that -c alone prints what strace prints.
	Outcomes bool `json:"-"`
}

// The clocks a Summary counts.
const (
	ClockSystem = "system"
	ClockWall   = "wall"
)

// SummaryRow counts the calls of one system call in one personality. Time
// is the sum of the calls' times (as Summary.Clock says), Min and Max the
// shortest and the longest.
type SummaryRow struct {
	Syscall string `json:"syscall"`
	// Personality is 0 for the native one, 1 for the 32-bit one.
	Personality int           `json:"personality"`
	Calls       int           `json:"calls"`
	Errors      int           `json:"errors"`
	Time        time.Duration `json:"time_ns"`
	Min         time.Duration `json:"min_ns"`
	Max         time.Duration `json:"max_ns"`
	Found       int           `json:"found"`     // returned a child
	None        int           `json:"none"`      // WNOHANG: none ready
	ECHILD      int           `json:"echild"`    // no child to wait for
	EINTR       int           `json:"eintr"`     // interrupted
	Restarted   int           `json:"restarted"` // ERESTART*
	Invalid     int           `json:"invalid"`   // EFAULT, EINVAL...
}
