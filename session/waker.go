package session

import "time"

// kickEvery is the least time between two kicks of the engine; alerts
// print their age to a tenth of a second.
const kickEvery = 100 * time.Millisecond

// waker kicks the engine (Tracer.Kick) when the sinks' next deadline
// passes, should no traced process do anything before then.
type waker struct {
	kick  func()
	timer *time.Timer
	due   time.Time // when timer goes off; zero if it is not armed
	// floor: no kick before then. Kicks are kickEvery apart at least, so
	// that many deadlines one after another cost a few wake-ups, not one
	// each.
	floor time.Time
}

// arm sets the timer to next (ok false: no deadline), if it moved.
func (w *waker) arm(next time.Time, ok bool) {
	if w.kick == nil {
		return
	}
	if !w.due.IsZero() && !w.due.After(time.Now()) {
		// The timer went off (or is about to).
		w.floor, w.due = w.due.Add(kickEvery), time.Time{}
	}
	if !ok {
		if !w.due.IsZero() {
			w.timer.Stop()
			w.due = time.Time{}
		}
		return
	}
	if next.Before(w.floor) {
		next = w.floor
	}
	if next.Equal(w.due) {
		return
	}
	w.due = next
	if w.timer == nil {
		w.timer = time.AfterFunc(time.Until(next), w.kick)
		return
	}
	w.timer.Reset(time.Until(next))
}

func (w *waker) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// rearm arms the waker at the earliest deadline of the sinks.
func (s *Session) rearm() {
	var next time.Time
	any := false
	for _, sink := range s.sinks {
		if c, ok := sink.(Clock); ok {
			if t, ok := c.Next(); ok && (!any || t.Before(next)) {
				next, any = t, true
			}
		}
	}
	s.wake.arm(next, any)
}
