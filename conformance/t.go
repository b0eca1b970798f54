package conformance

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// T is handed to a module: it logs steps and records failures, warnings
// and skips, like testing.T. Fatal and Skip stop the module.
type T struct {
	ctx      context.Context
	env      *env
	res      *ModuleResult
	cleanups []func()
}

func (t *T) add(s StepStatus, ref, msg string) {
	t.res.Steps = append(t.res.Steps, Step{Status: s, Message: msg, Ref: ref})
}

// Logf records an informational step.
func (t *T) Logf(format string, args ...any) { t.add(StepInfo, "", fmt.Sprintf(format, args...)) }

// OKf records a check that held.
func (t *T) OKf(ref, format string, args ...any) { t.add(StepOK, ref, fmt.Sprintf(format, args...)) }

// Warnf records a check of a SHOULD that did not hold; the module goes on.
func (t *T) Warnf(ref, format string, args ...any) {
	t.add(StepWarning, ref, fmt.Sprintf(format, args...))
}

// Errorf records a failed check; the module goes on.
func (t *T) Errorf(ref, format string, args ...any) {
	t.add(StepFailure, ref, fmt.Sprintf(format, args...))
}

// Fatalf records a failed check and stops the module.
func (t *T) Fatalf(ref, format string, args ...any) {
	t.Errorf(ref, format, args...)
	runtime.Goexit()
}

// Skipf marks the module skipped (the OP does not offer what it tests) and
// stops it.
func (t *T) Skipf(format string, args ...any) {
	t.add(StepSkipped, "", fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// Reviewf asks a human to look at something the suite cannot judge.
func (t *T) Reviewf(format string, args ...any) {
	t.add(StepReview, "", fmt.Sprintf(format, args...))
}

// Check records ok or failure depending on cond and returns cond.
func (t *T) Check(cond bool, ref, format string, args ...any) bool {
	if cond {
		t.OKf(ref, format, args...)
	} else {
		t.Errorf(ref, "NOT: "+format, args...)
	}
	return cond
}

// Cleanup registers f to run when the module ends.
func (t *T) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

// Context is the module's context (it carries the module timeout).
func (t *T) Context() context.Context { return t.ctx }

// Sleep waits d, stopping the module if its context ends.
func (t *T) Sleep(d time.Duration) {
	t.Logf("waiting %s", d)
	if err := t.env.opts.Sleep(t.ctx, d); err != nil {
		t.Fatalf("", "wait interrupted: %v", err)
	}
}
