// Package page serves the sandbox's synthetic population as a readable
// HTML page (nb, nn, en) for vendors: every person with their
// fødselsnummer and age today, and every relation with what the
// representation rules decide today; the same as JSON (?format=json) for
// test scripts. The numbers shown are synthetic test numbers, so showing
// them is the point.
//
// It renders population.Generate for the current day and evaluates with
// representation.Evaluate; it does not read the registry (the sandbox
// seeds the same population there) and owns no other route. Its page
// frame (head, stylesheet, language switcher, headers) is shared with the
// sandbox start page (sandboxpage) through ParseScaffolded, LangLinks and
// WriteHTML.
package page
