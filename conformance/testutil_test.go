package conformance

import (
	"fmt"
	"strings"
	"testing"
)

// stepLog is a recorder that keeps steps, for testing validators.
type stepLog struct{ steps []Step }

func (l *stepLog) add(s StepStatus, ref, msg string) {
	l.steps = append(l.steps, Step{Status: s, Ref: ref, Message: msg})
}
func (l *stepLog) OKf(ref, f string, a ...any)    { l.add(StepOK, ref, fmt.Sprintf(f, a...)) }
func (l *stepLog) Warnf(ref, f string, a ...any)  { l.add(StepWarning, ref, fmt.Sprintf(f, a...)) }
func (l *stepLog) Errorf(ref, f string, a ...any) { l.add(StepFailure, ref, fmt.Sprintf(f, a...)) }
func (l *stepLog) Logf(f string, a ...any)        { l.add(StepInfo, "", fmt.Sprintf(f, a...)) }
func (l *stepLog) Check(c bool, ref, f string, a ...any) bool {
	if c {
		l.OKf(ref, f, a...)
	} else {
		l.Errorf(ref, "NOT: "+f, a...)
	}
	return c
}

func (l *stepLog) with(s StepStatus) []string {
	var out []string
	for _, st := range l.steps {
		if st.Status == s {
			out = append(out, st.Message)
		}
	}
	return out
}

// wantOnly asserts that the failures are exactly those containing the
// given substrings (one failure per substring, in any order).
func (l *stepLog) wantFailures(t *testing.T, subs ...string) {
	t.Helper()
	fails := l.with(StepFailure)
	for _, s := range subs {
		found := false
		for _, f := range fails {
			if strings.Contains(f, s) {
				found = true
			}
		}
		if !found {
			t.Errorf("want a failure containing %q; failures: %q", s, fails)
		}
	}
	if len(subs) == 0 && len(fails) > 0 {
		t.Errorf("want no failures, got %q", fails)
	}
}
