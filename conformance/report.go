package conformance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is a module's verdict, spelled as the OIDF suite spells it.
type Result string

// Module verdicts. A module FAILED when any check failed; otherwise SKIPPED
// when it could not run against this OP; otherwise WARNING when a SHOULD
// was not met; otherwise REVIEW when a human must look (the OIDF suite asks
// for a screenshot there); otherwise PASSED.
const (
	Passed  Result = "PASSED"
	Warning Result = "WARNING"
	Failed  Result = "FAILED"
	Skipped Result = "SKIPPED"
	Review  Result = "REVIEW"
)

// StepStatus is the outcome of one step inside a module.
type StepStatus string

// Step outcomes.
const (
	StepOK      StepStatus = "ok"
	StepInfo    StepStatus = "info"
	StepWarning StepStatus = "warning"
	StepFailure StepStatus = "failure"
	StepSkipped StepStatus = "skipped"
	StepReview  StepStatus = "review"
)

// Step is one logged action or check of a module, readable by a human.
type Step struct {
	Status  StepStatus `json:"status"`
	Message string     `json:"message"`
	// Ref names the specification clause the check comes from.
	Ref string `json:"ref,omitempty"`
}

// ModuleResult is the outcome of one test module.
type ModuleResult struct {
	Name        string `json:"name"`
	Plan        string `json:"plan"`
	Description string `json:"description"`
	Result      Result `json:"result"`
	// Reason says, in one line, why the module did not pass.
	Reason   string        `json:"reason,omitempty"`
	Steps    []Step        `json:"steps"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is the outcome of a conformance run.
type Report struct {
	Issuer   string         `json:"issuer"`
	Plans    []string       `json:"plans"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Modules  []ModuleResult `json:"modules"`
	Summary  Summary        `json:"summary"`
}

// Summary counts modules per verdict.
type Summary struct {
	Passed  int `json:"passed"`
	Warning int `json:"warning"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Review  int `json:"review"`
}

func (s *Summary) add(r Result) {
	switch r {
	case Passed:
		s.Passed++
	case Warning:
		s.Warning++
	case Failed:
		s.Failed++
	case Skipped:
		s.Skipped++
	case Review:
		s.Review++
	}
}

// OK reports whether no module failed.
func (r *Report) OK() bool { return r.Summary.Failed == 0 }

// WriteTable prints one row per module (plan, module, verdict, reason) and
// a summary line.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "PLAN\tMODULE\tRESULT\tREASON\n")
	for _, m := range r.Modules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Plan, m.Name, m.Result, oneLine(m.Reason, 110))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := r.Summary
	_, err := fmt.Fprintf(w, "issuer %s: %d modules; %d PASSED, %d WARNING, %d FAILED, %d SKIPPED, %d REVIEW\n",
		r.Issuer, len(r.Modules), s.Passed, s.Warning, s.Failed, s.Skipped, s.Review)
	return err
}

// WriteDetails prints every module's steps, for a human reading why a
// module failed or warned.
func (r *Report) WriteDetails(w io.Writer) error {
	for _, m := range r.Modules {
		if _, err := fmt.Fprintf(w, "== %s [%s] %s\n", m.Name, m.Result, m.Description); err != nil {
			return err
		}
		for _, s := range m.Steps {
			ref := ""
			if s.Ref != "" {
				ref = " (" + s.Ref + ")"
			}
			fmt.Fprintf(w, "   %-8s %s%s\n", s.Status, s.Message, ref)
		}
	}
	return nil
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		return s[:max-3] + "..."
	}
	return s
}
