package authflow

import (
	"errors"
	"testing"
)

// TestNext: the step after each combination of persisted state, in the
// order upstream → choose → consent → handoff → issue.
func TestNext(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Flow
		want Step
	}{
		{"new flow", Flow{}, StepUpstream},
		{"not authenticated, whatever else is set", Flow{ChoiceRequired: true, Choice: "self", Consented: true}, StepUpstream},
		{"authenticated, nothing required", Flow{Authenticated: true}, StepIssue},
		{"choice required, none made", Flow{Authenticated: true, ChoiceRequired: true}, StepChoose},
		{"choice required and made", Flow{Authenticated: true, ChoiceRequired: true, Choice: ChoiceSelf}, StepIssue},
		{"choice made without a page", Flow{Authenticated: true, Choice: "12345678901"}, StepIssue},
		{"consent required", Flow{Authenticated: true, ConsentRequired: true}, StepConsent},
		{"choice before consent", Flow{Authenticated: true, ChoiceRequired: true, ConsentRequired: true}, StepChoose},
		{"consent after the choice", Flow{Authenticated: true, ChoiceRequired: true, Choice: ChoiceSelf, ConsentRequired: true}, StepConsent},
		{"consented", Flow{Authenticated: true, ConsentRequired: true, Consented: true}, StepIssue},
		{"consented for someone chosen", Flow{Authenticated: true, ChoiceRequired: true, Choice: "12345678901", ConsentRequired: true, Consented: true}, StepIssue},
		{"consent not required: a covering grant", Flow{Authenticated: true, Choice: ChoiceSelf}, StepIssue},
		{"hand-off after consent", Flow{Authenticated: true, ConsentRequired: true, Consented: true, HandoffRequired: true}, StepHandoff},
		{"consent before hand-off", Flow{Authenticated: true, ConsentRequired: true, HandoffRequired: true}, StepConsent},
		{"handed off", Flow{Authenticated: true, HandoffRequired: true, HandedOff: true}, StepIssue},
		{"the current step does not decide", Flow{Step: StepIssue, Authenticated: true, ChoiceRequired: true}, StepChoose},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Next(); got != tc.want {
				t.Errorf("Next() = %q, want %q", got, tc.want)
			}
			f := tc.f
			if got := f.Advance(); got != tc.want || f.Step != tc.want {
				t.Errorf("Advance() = %q (Step %q), want %q", got, f.Step, tc.want)
			}
		})
	}
}

// TestTransitions: each transition is allowed only at its step and for
// the flow's own session and person; a whole walk ends at issue.
func TestTransitions(t *testing.T) {
	const sid, holder, other = "sid-1", "01010112345", "02020212345"
	walk := func() *Flow {
		f := &Flow{}
		if f.Advance() != StepUpstream {
			t.Fatal("new flow not at upstream")
		}
		if err := f.Authenticate(sid, holder); err != nil {
			t.Fatal(err)
		}
		f.RequireChoice([]string{other})
		if f.Advance() != StepChoose {
			t.Fatalf("at %q, want choose", f.Step)
		}
		return f
	}

	t.Run("upstream → choose → consent → issue", func(t *testing.T) {
		f := walk()
		if f.Upstream != nil {
			t.Error("upstream state kept after authentication")
		}
		if err := f.Chosen(sid, holder, other); err != nil {
			t.Fatal(err)
		}
		f.RequireConsent()
		if f.Advance() != StepConsent {
			t.Fatalf("at %q, want consent", f.Step)
		}
		if err := f.Consent(sid); err != nil {
			t.Fatal(err)
		}
		if f.Advance() != StepIssue || f.ChoiceOrSelf() != other {
			t.Fatalf("at %q with choice %q", f.Step, f.ChoiceOrSelf())
		}
	})
	t.Run("authenticate twice", func(t *testing.T) {
		f := walk()
		if err := f.Authenticate(sid, holder); !errors.Is(err, ErrWrongStep) {
			t.Fatalf("second Authenticate: %v", err)
		}
	})
	t.Run("authenticate past upstream", func(t *testing.T) {
		f := &Flow{Step: StepChoose}
		if err := f.Authenticate(sid, holder); !errors.Is(err, ErrWrongStep) {
			t.Fatalf("Authenticate at choose: %v", err)
		}
	})
	for _, tc := range []struct {
		name           string
		sid, who, pick string
		step           Step
		want           error
	}{
		{"self is always offered", sid, holder, ChoiceSelf, StepChoose, nil},
		{"an offered person", sid, holder, other, StepChoose, nil},
		{"a person not offered", sid, holder, "03030312345", StepChoose, ErrNotOffered},
		{"another login session", "sid-2", holder, ChoiceSelf, StepChoose, ErrWrongPerson},
		{"another person", sid, other, ChoiceSelf, StepChoose, ErrWrongPerson},
		{"not at choose", sid, holder, ChoiceSelf, StepIssue, ErrWrongStep},
	} {
		t.Run("choose: "+tc.name, func(t *testing.T) {
			f := walk()
			f.Step = tc.step
			err := f.Chosen(tc.sid, tc.who, tc.pick)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Chosen = %v, want %v", err, tc.want)
			}
			if err != nil && f.Choice != "" {
				t.Errorf("refused choice recorded: %q", f.Choice)
			}
		})
	}
	t.Run("consent: another session, wrong step", func(t *testing.T) {
		f := &Flow{Authenticated: true, SessionID: sid}
		f.RequireConsent()
		if err := f.Consent(sid); !errors.Is(err, ErrWrongStep) {
			t.Fatalf("Consent before Advance: %v", err)
		}
		f.Advance()
		if err := f.Consent("sid-2"); !errors.Is(err, ErrWrongPerson) {
			t.Fatalf("Consent of another session: %v", err)
		}
	})
	t.Run("consent once: a replayed answer is refused", func(t *testing.T) {
		f := &Flow{Authenticated: true, SessionID: sid, Choice: ChoiceSelf}
		f.RequireConsent()
		if f.Advance() != StepConsent {
			t.Fatalf("at %q, want consent", f.Step)
		}
		if err := f.Consent(sid); err != nil || f.Advance() != StepIssue {
			t.Fatalf("Consent: %v, then %q", err, f.Step)
		}
		if err := f.Consent(sid); !errors.Is(err, ErrWrongStep) {
			t.Fatalf("second Consent: %v", err)
		}
	})
	t.Run("consent waits for the choice", func(t *testing.T) {
		f := walk()
		f.RequireConsent()
		if f.Advance() != StepChoose {
			t.Fatalf("at %q, want choose before consent", f.Step)
		}
		if err := f.Consent(sid); !errors.Is(err, ErrWrongStep) || f.Consented {
			t.Fatalf("Consent at choose: %v (consented %v)", err, f.Consented)
		}
	})
	t.Run("hand-off only at its step", func(t *testing.T) {
		f := &Flow{Authenticated: true}
		f.RequireHandoff()
		if err := f.HandOff(); !errors.Is(err, ErrWrongStep) {
			t.Fatalf("HandOff before Advance: %v", err)
		}
		if f.Advance() != StepHandoff {
			t.Fatalf("at %q", f.Step)
		}
		if err := f.HandOff(); err != nil || f.Advance() != StepIssue {
			t.Fatalf("HandOff: %v, then %q", err, f.Step)
		}
	})
}

// TestRedeemTicket: a hand-off ticket settles login and choice of a
// fresh flow, so Next goes to consent or issue; a flow already under
// way cannot be handed off.
func TestRedeemTicket(t *testing.T) {
	var f Flow
	if err := f.RedeemTicket("sid", "holder", "child", "portal"); err != nil {
		t.Fatal(err)
	}
	if !f.Authenticated || f.ChoiceOrSelf() != "child" || f.HandedOffFrom != "portal" || f.Next() != StepIssue {
		t.Fatalf("after RedeemTicket: %+v, next %q", f, f.Next())
	}
	f.RequireConsent()
	if f.Next() != StepConsent {
		t.Fatalf("with consent required: next %q", f.Next())
	}
	if err := f.RedeemTicket("sid", "holder", "child", "portal"); !errors.Is(err, ErrWrongStep) {
		t.Errorf("second RedeemTicket: %v", err)
	}
	g := Flow{Step: StepUpstream}
	if err := g.RedeemTicket("sid", "holder", ChoiceSelf, "portal"); !errors.Is(err, ErrWrongStep) {
		t.Errorf("RedeemTicket at the upstream step: %v", err)
	}
	var h Flow
	if err := h.RedeemTicket("", "holder", ChoiceSelf, "portal"); err == nil || h.Authenticated {
		t.Errorf("RedeemTicket without a session: %v %+v", err, h)
	}
}
