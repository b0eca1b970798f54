package authflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Step is where an authorization stands.
type Step string

// The steps, in the order Next visits them.
const (
	// StepUpstream: the person is at the upstream eID.
	StepUpstream Step = "upstream"
	// StepChoose: the person picks whom to act for.
	StepChoose Step = "choose"
	// StepConsent: the person approves what the tool asks for.
	StepConsent Step = "consent"
	// StepHandoff: the login continues on another device or app.
	StepHandoff Step = "handoff"
	// StepIssue: nothing is left to ask; the code goes to the client.
	StepIssue Step = "issue"
)

// ChoiceSelf is the choice "I use the tool for myself".
const ChoiceSelf = "self"

// Flow is the state of one authorization in progress.
type Flow struct {
	// ID is the flow's one id, kept from the first persisted step to
	// the last; the flow cookie carries it.
	ID string `json:"-"`
	// Step is the step the flow waits in (set by Advance).
	Step Step `json:"step"`
	// Request is the caller's serialised authorization request.
	Request json.RawMessage `json:"request"`
	ViaPAR  bool            `json:"via_par,omitempty"`
	Lang    string          `json:"lang,omitempty"`
	// Upstream is the upstream eID's login state while at StepUpstream.
	Upstream json.RawMessage `json:"upstream,omitempty"`

	// Authenticated is set once a login session satisfies the request;
	// SessionID and Holder name that session and its person.
	Authenticated bool   `json:"authenticated,omitempty"`
	SessionID     string `json:"session_id,omitempty"`
	Holder        string `json:"holder,omitempty"`

	// ChoiceRequired: the person must choose whom to act for, among
	// Options (pids; ChoiceSelf is always allowed). Choice is the
	// choice made: ChoiceSelf or a pid.
	ChoiceRequired bool     `json:"choice_required,omitempty"`
	Options        []string `json:"options,omitempty"`
	Choice         string   `json:"choice,omitempty"`

	// ConsentRequired: the person must approve the request first.
	ConsentRequired bool `json:"consent_required,omitempty"`
	Consented       bool `json:"consented,omitempty"`

	// HandoffRequired: the login continues elsewhere first.
	HandoffRequired bool `json:"handoff_required,omitempty"`
	HandedOff       bool `json:"handed_off,omitempty"`

	// HandedOffFrom is the portal client whose hand-off ticket started
	// the flow authenticated, with the choice it carried (RedeemTicket);
	// "" for every other flow.
	HandedOffFrom string `json:"handed_off_from,omitempty"`

	// CreatedAt is when the flow was first persisted.
	CreatedAt time.Time `json:"-"`
}

// Next is the step that follows from the flow's state. It reads only
// the persisted fields, never the current Step, so the same record
// always leads to the same step.
func (f *Flow) Next() Step {
	switch {
	case !f.Authenticated:
		return StepUpstream
	case f.ChoiceRequired && f.Choice == "":
		return StepChoose
	case f.ConsentRequired && !f.Consented:
		return StepConsent
	case f.HandoffRequired && !f.HandedOff:
		return StepHandoff
	}
	return StepIssue
}

// Advance moves the flow to Next and returns it.
func (f *Flow) Advance() Step {
	f.Step = f.Next()
	return f.Step
}

// Errors of the transitions: the browser sent something the flow's
// state does not allow.
var (
	ErrWrongStep   = errors.New("authflow: the flow is not at this step")
	ErrNotOffered  = errors.New("authflow: the choice was not offered")
	ErrWrongPerson = errors.New("authflow: the flow belongs to another login session")
)

// Authenticate records the login session that satisfies the request.
// A flow authenticates once: a second login in the same flow is a
// replay.
func (f *Flow) Authenticate(sessionID, holder string) error {
	if f.Authenticated {
		return fmt.Errorf("%w: already authenticated", ErrWrongStep)
	}
	if f.Step != "" && f.Step != StepUpstream {
		return fmt.Errorf("%w: authenticate at %q", ErrWrongStep, f.Step)
	}
	f.Authenticated, f.SessionID, f.Holder = true, sessionID, holder
	f.Upstream = nil
	return nil
}

// RedeemTicket starts a flow authenticated by a portal's hand-off ticket
// (package handoff): the browser's login session sessionID of holder
// satisfies the request, and the choice of whom to act for (ChoiceSelf
// or a pid) is the one made at the portal, so neither the upstream nor
// the chooser step comes. Only a fresh flow can be handed off.
func (f *Flow) RedeemTicket(sessionID, holder, choice, portal string) error {
	if f.Step != "" || f.Authenticated || f.Choice != "" {
		return fmt.Errorf("%w: hand-off ticket at %q", ErrWrongStep, f.Step)
	}
	if sessionID == "" || holder == "" || choice == "" || portal == "" {
		return errors.New("authflow: a hand-off needs a session, a person, a choice and a portal")
	}
	f.Authenticated, f.SessionID, f.Holder = true, sessionID, holder
	f.Choice, f.HandedOffFrom = choice, portal
	return nil
}

// RequireChoice asks the person to choose whom to act for among options.
func (f *Flow) RequireChoice(options []string) {
	f.ChoiceRequired, f.Options, f.Choice = true, options, ""
}

// Choose records a choice decided without the chooser page (a stored
// choice, nobody to act for, the headless test parameter).
func (f *Flow) Choose(choice string) {
	f.Choice = choice
}

// Chosen records the person's pick on the chooser page: the flow must
// wait at StepChoose, for the same login session and person, and the pick
// must be ChoiceSelf or one of the options shown.
func (f *Flow) Chosen(sessionID, holder, choice string) error {
	if f.Step != StepChoose {
		return fmt.Errorf("%w: choose at %q", ErrWrongStep, f.Step)
	}
	if f.SessionID != sessionID || f.Holder != holder {
		return ErrWrongPerson
	}
	if choice != ChoiceSelf && !slices.Contains(f.Options, choice) {
		return ErrNotOffered
	}
	f.Choice = choice
	return nil
}

// RequireConsent asks the person to approve the request.
func (f *Flow) RequireConsent() { f.ConsentRequired, f.Consented = true, false }

// Consent records the person's approval; the flow must wait at
// StepConsent for the same login session.
func (f *Flow) Consent(sessionID string) error {
	if f.Step != StepConsent {
		return fmt.Errorf("%w: consent at %q", ErrWrongStep, f.Step)
	}
	if f.SessionID != sessionID {
		return ErrWrongPerson
	}
	f.Consented = true
	return nil
}

// RequireHandoff makes the login continue elsewhere before issue.
func (f *Flow) RequireHandoff() { f.HandoffRequired, f.HandedOff = true, false }

// HandOff records that the hand-off completed.
func (f *Flow) HandOff() error {
	if f.Step != StepHandoff {
		return fmt.Errorf("%w: hand-off at %q", ErrWrongStep, f.Step)
	}
	f.HandedOff = true
	return nil
}

// ChoiceOrSelf is the choice made, ChoiceSelf when none was needed.
func (f *Flow) ChoiceOrSelf() string {
	if f.Choice == "" {
		return ChoiceSelf
	}
	return f.Choice
}
