// Package authflow is oidcp's login state machine: one flow record per
// authorization request, carried through the browser by one cookie, moved
// from step to step by Next.
//
//	            ┌──────────────────── portal's hand-off ticket (RedeemTicket) ──> authenticated, choice made
//	            ├──────────────────── live login session that satisfies the request
//	            │                                  (prompt, max_age, acr_values)
//	authorize ──┴──> upstream ──(callback: state, cookie)──> authenticated
//	                                                              │
//	                   ┌──────────────────────────────────────────┘
//	                   ▼
//	         ChoiceRequired && no Choice ──> choose ──(POST /choose, verifier)──┐
//	                   │                                                        │
//	                   ▼ <──────────────────────────────────────────────────────┘
//	       ConsentRequired && !Consented ──> consent ──(verifier)──┐
//	                   │                                           │
//	                   ▼ <─────────────────────────────────────────┘
//	       HandoffRequired && !HandedOff ──> handoff ──(verifier)──┐
//	                   │                                           │
//	                   ▼ <─────────────────────────────────────────┘
//	                 issue: the code goes to the client
//
// A hand-off ticket (package handoff) is no step of its own: nothing
// waits for the browser. Redeeming it is the transition RedeemTicket,
// which settles the upstream and the choose steps at once, so that Next
// goes on to consent (when no grant covers the request) or issue.
//
// Next decides the following step from the flow's persisted state alone
// (Authenticated, ChoiceRequired/Choice, ConsentRequired/Consented,
// HandoffRequired/HandedOff), so every handler asks the same function
// what comes after it. Each step that waits for the browser is persisted
// under the flow's one id; the browser carries that id in one cookie, and
// a form that completes a step carries a verifier, an HMAC of the flow
// id, the step and the login session, so that a form can complete only
// the step of the flow it was shown for, in the browser session it was
// shown to (dex's server/internal/flowstep.go does the same).
//
// authflow owns the flow record, its transitions, the flow cookie and
// the step verifiers. It does not own the authorization request (the
// caller stores it as opaque bytes), the login session (sessionstore),
// the representation rules (representation), or any page or protocol
// error: it knows no fosite type and renders nothing.
package authflow
