package web

import (
	"fmt"
	"time"
)

// The view model of the citizen's account pages, "Bruk og tilganger":
// three tabs (the usage log, active logins, permissions) and the
// confirmation before a permission is withdrawn. The accountpage
// package fills it from the account service; the texts are in
// AccountTexts.

// AccountTemplate is the template of every account page.
const AccountTemplate = "account.html"

// Tabs of the account pages (AccountPage.Tab).
const (
	AccountTabLog       = "log"
	AccountTabSessions  = "sessions"
	AccountTabGrants    = "grants"
	AccountTabConfirm   = "confirm"   // confirm withdrawing a permission
	AccountTabMessage   = "message"   // a message only (errors, logged out)
	AccountTabLoggedOut = "loggedout" // after logging out: no personal data
)

// AccountLink is a link in the page's navigation.
type AccountLink struct {
	Label, URL string
	// Lang is the link's language (the language switch), else "".
	Lang    string
	Current bool
}

// FieldError is one error of the filter form: the field's id and what is
// wrong, shown in the error summary and beside the field.
type FieldError struct {
	Field, Message string
}

// AccountOption is one option of a select.
type AccountOption struct {
	Value, Label string
	Selected     bool
}

// AccountEvent is one row of the usage log.
type AccountEvent struct {
	Time, TimeISO string
	Who, What     string
	Where         string
}

// AccountLog is the usage-log tab: its filter form and one page.
type AccountLog struct {
	// Intro says whose log it is.
	Intro string
	// Action is the filter form's target (the log tab).
	Action   string
	From, To string // yyyy-mm-dd as entered
	Tools    []AccountOption
	Who      []AccountOption
	Events   []AccountEvent
	NextURL  string
	// FirstURL returns to the first page when this is a later one.
	FirstURL string
}

// AccountSession is one row of the active-logins tab.
type AccountSession struct {
	ID                    string
	Device                string
	Created, CreatedISO   string
	LastUsed, LastUsedISO string
	Tools                 string
	Current               bool
}

// AccountGrantScope is one scope of a permission in plain language.
type AccountGrantScope struct {
	Title, Description string
}

// AccountGrant is one permission.
type AccountGrant struct {
	ID, Tool, Vendor, LogoURI string
	Scopes                    []AccountGrantScope
	For                       string
	Given, GivenISO, GivenBy  string
	WithdrawURL               string
}

// AccountPage is the view model of an account page.
type AccountPage struct {
	Lang, Title string
	T           map[string]string
	Tab         string
	// Who says who is logged in and for whom they look.
	Who string
	// Tabs and Langs are the two navigations; SwitchURL chooses another
	// person (prompt=select_account); LogoutAction logs out of oidcp.
	Tabs, Langs  []AccountLink
	SwitchURL    string
	LogoutAction string
	CSRF         string
	// Errors fill the error summary; Notice says what an action did;
	// Message is the text of a message page.
	Errors  []FieldError
	Notice  string
	Message string
	// LinkURL and LinkLabel: the message page's way on.
	LinkURL, LinkLabel string
	// MayWithdraw: the viewer may withdraw permissions and end logins
	// (not an ordinary power of attorney).
	MayWithdraw bool

	Log      *AccountLog
	Sessions []AccountSession
	// SessionsNote says, to a representative, that the logins are their own.
	SessionsNote string
	// EndAllAction ends every login session.
	EndAllAction string
	SessionBase  string
	Grants       []AccountGrant
	// Confirm is the permission to withdraw, ConfirmAction where.
	Confirm       *AccountGrant
	ConfirmAction string
	CancelURL     string
}

// AccountTime shows t (already in the time zone to show) as people write
// it: "2. januar 2026 kl. 14.05" in bokmål and nynorsk, "2 January 2026,
// 14:05" in English.
func AccountTime(lang string, t time.Time) string {
	months, ok := monthNames[lang]
	if !ok {
		months, lang = monthNames["nb"], "nb"
	}
	m := months[t.Month()-1]
	if lang == "en" {
		return fmt.Sprintf("%d %s %d, %02d:%02d", t.Day(), m, t.Year(), t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%d. %s %d kl. %02d.%02d", t.Day(), m, t.Year(), t.Hour(), t.Minute())
}

// Date shows the day of t (already in the time zone to show) as people
// write it: "31.10.2029" in bokmål and nynorsk, "31 October 2029" in
// English.
func Date(lang string, t time.Time) string {
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), monthNames["en"][t.Month()-1], t.Year())
	}
	return t.Format("02.01.2006")
}
