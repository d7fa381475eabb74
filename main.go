// Command waittrace traces the wait-family system calls (wait4, waitpid,
// waitid) of a command or of running processes, printing them as strace does.
package main

import (
	"fmt"
	"os"

	"github.com/waittrace/waittrace/cli"
	"github.com/waittrace/waittrace/ptrace"
)

func main() {
	// Made setuid or setgid, or given file capabilities, by mistake,
	// waittrace would trace with privileges its user does not have: refuse,
	// before anything else. The kernel says so in AT_SECURE.
	if os.Geteuid() != os.Getuid() || os.Getegid() != os.Getgid() {
		fmt.Fprintln(os.Stderr, "waittrace: refusing to run setuid or setgid: remove the set-id bits (chmod u-s,g-s)")
		os.Exit(cli.ExitSetID)
	}
	if cli.SecureExec() {
		fmt.Fprintln(os.Stderr, "waittrace: refusing to run with privileges its user does not have (file capabilities?): remove them (setcap -r)")
		os.Exit(cli.ExitSetID)
	}
	if ptrace.IsHelper() {
		ptrace.RunHelper()
	}
	if cmd, args, ok := ptrace.RunDaemonRole(); ok {
		os.Exit(cli.MainDaemon(cmd, args, os.Stdout, os.Stderr))
	}
	os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr))
}
