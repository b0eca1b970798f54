package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3"
// (make build and make run set it from git describe).
var version = ""

// displayVersion is the version to show: the one set at build time, else
// the module version or commit go build recorded, else a plain statement
// that this build has none (go run records neither).
func displayVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		if rev != "" {
			return "commit " + rev
		}
	}
	return "(unversioned build)"
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The full commit beside a set version; displayVersion already
			// names the commit when it is all there is.
			rev := ""
			if bi, ok := debug.ReadBuildInfo(); ok && version != "" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						rev = " " + s.Value
					}
				}
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "oidcp %s%s (%s)\n", displayVersion(), rev, runtime.Version())
			return err
		},
	}
}
