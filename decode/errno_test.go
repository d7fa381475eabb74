package decode

import "testing"

// Expected strings were taken from strace 6.1 (errors injected with
// -e inject=wait4:error=N).
func TestReturn(t *testing.T) {
	tests := []struct {
		in    int64
		want  string
		isErr bool
	}{
		{0, "0", false},
		{4376, "4376", false},
		{2147483647, "2147483647", false},
		{-4096, "-4096", false},
		{-5000, "-5000", false},
		{-1, "-1 EPERM (Operation not permitted)", true},
		{-10, "-1 ECHILD (No child processes)", true},
		{-22, "-1 EINVAL (Invalid argument)", true},
		{-41, "-1 (errno 41)", true},
		{-133, "-1 EHWPOISON (Memory page has hardware error)", true},
		{-134, "-1 (errno 134)", true},
		{-512, "? ERESTARTSYS (To be restarted if SA_RESTART is set)", true},
		{-513, "? ERESTARTNOINTR (To be restarted)", true},
		{-514, "? ERESTARTNOHAND (To be restarted if no handler)", true},
		{-515, "-1 ENOIOCTLCMD (Unknown error 515)", true},
		{-516, "? ERESTART_RESTARTBLOCK (Interrupted by signal)", true},
		{-517, "-1 EPROBE_DEFER (Unknown error 517)", true},
		{-518, "-1 EOPENSTALE (Unknown error 518)", true},
		{-519, "-1 (errno 519)", true}, // ENOPARAM is unknown to strace 6.1
		{-521, "-1 EBADHANDLE (Unknown error 521)", true},
		{-530, "-1 ERECALLCONFLICT (Unknown error 530)", true},
		{-4095, "-1 (errno 4095)", true},
	}
	for _, tt := range tests {
		got, isErr := Return(tt.in)
		if got != tt.want || isErr != tt.isErr {
			t.Errorf("Return(%d) = %q, %v; want %q, %v", tt.in, got, isErr, tt.want, tt.isErr)
		}
	}
}

func TestErrno(t *testing.T) {
	if name, msg := Errno(2); name != "ENOENT" || msg != "No such file or directory" {
		t.Errorf("Errno(2) = %q, %q", name, msg)
	}
	if name, msg := Errno(0); name != "" || msg != "" {
		t.Errorf("Errno(0) = %q, %q; want empty", name, msg)
	}
	for e := 1; e <= 133; e++ {
		name, msg := Errno(e)
		if (name == "") != (e == 41 || e == 58) || (name != "" && msg == "") {
			t.Errorf("Errno(%d) = %q, %q", e, name, msg)
		}
	}
}
