package main

import (
	"encoding/json"
	"io"
)

// writeJSON prints v as indented JSON and a newline: the output format of
// every operator command, meant for jq and scripts.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
