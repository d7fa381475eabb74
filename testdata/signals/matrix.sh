#!/bin/bash
# matrix.sh: measure how a tracer (strace by default) passes signals and
# process lifetime on to the traced program, with the fixtures in this
# directory.  Results are tab-separated rows on stdout; raw files stay in
# the work directory.
#
#   testdata/signals/matrix.sh [-n REPS] [-w WORKDIR] [EXPERIMENT...]
#
# EXPERIMENTS (default: all)
#   sig      one of INT TERM HUP QUIT PIPE, to the group / to the tracer
#   two      INT then TERM ~10 ms later (INT+TERM) and back to back
#            (INT,TERM), to the group / to the tracer
#   stopped  TERM (and INT) while the program is group-stopped
#   bg       lifetime: bash -c 'sleep 3 &' (how long until the tracer
#            returns)
#   transp   traceme, tracerpid, lsan, nested strace, gdb
#   fds      fds.c with and without fds 0-2 closed
#   outfail  -o '|head -1 >/dev/null' and trace to /dev/full
#
# BUSY=-b: the program spins on the CPU instead of sleeping.
# MODES: the modes for sig/two/stopped, default all of
#   untraced  the program alone (target "prog" = its pid)
#   o e       -o FILE PROG / PROG with the trace on stderr
#   fo f      the same with -f
#   I1..I4    -I N -o FILE PROG;  I1e I3e: -I N PROG (trace on stderr)
#   p po      -p PID / -o FILE -p PID, the program started separately
#             (in its own session: "group" is then the tracer's group)
# TRACER: the tracer command (default "strace"), e.g. TRACER=./waittrace.
# It must take strace's -o, -f, -I N and -p flags; modes a tracer lacks
# fail visibly.
#
# sig/two rows: exp mode sig target rep | tracer's exit status, when it
#   exited, tracer alive 300 ms after the kill?, program's state and
#   TracerPid 300 ms after the kill, how the program ended | its line
#   (counts, senders, TracerPid at its end) | the tracer's messages |
#   1-minute load average.
# Senders are SIG:si_code:WHO, WHO = kill (this script), tracer (the
# tracer's pid) or a number.  The program is told to end (SIGUSR1) 1 s
# after the (first) kill; tracer_exit is "early:Nms" (N ms after the
# kill, before that) or "with-prog:+Nms" (N ms after the SIGUSR1).  The
# program's end is "exit" (it wrote its line), "gone" (killed, no line)
# or "stuck:STATE" (still there 4 s later; then SIGKILLed).
set -u

REPS=3
WORK=
while getopts n:w: opt; do
	case $opt in
	n) REPS=$OPTARG ;;
	w) WORK=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
EXPS=${*:-sig two stopped bg transp fds outfail}
TRACER=${TRACER:-strace}
BUSY=${BUSY:-}
SRC=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$(mktemp -d /tmp/sigmatrix.XXXXXX)}
BIN=$WORK/bin
mkdir -p "$BIN"
echo "# work dir $WORK, tracer $TRACER, $(strace -V | head -1)" >&2

cc -O2 -Wall -o "$BIN/sigcount" "$SRC/sigcount.c" || exit 2
cc -O2 -Wall -o "$BIN/traceme" "$SRC/traceme.c" || exit 2
cc -O2 -Wall -o "$BIN/tracerpid" "$SRC/tracerpid.c" || exit 2
cc -O2 -Wall -o "$BIN/fds" "$SRC/fds.c" || exit 2
if ! cc -g -fsanitize=address -o "$BIN/lsan" "$SRC/lsan.c" 2>/dev/null; then
	echo "# no libasan: lsan skipped (Debian: apt-get install libasan8)" >&2
fi

ME=$BASHPID
# A terminal's foreground job: own session and process group, all signals
# at their defaults (a background job of a non-interactive shell would
# otherwise start with SIGINT and SIGQUIT ignored).  setsid execs in place
# here (a background job of a non-interactive shell is not a group
# leader), and so does env, so $! is the job's pid and pgid.
JOB="setsid env --default-signal"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
field() { # field FILE KEY -> value of "KEY:\tvalue" in /proc status
	sed -n "s/^$2:[[:space:]]*//p" "$1" 2>/dev/null | head -1
}
pstate() { # pstate PID -> "S,0" (state letter, TracerPid) or "-" if gone
	local st
	st=$(field "/proc/$1/status" State) || true
	[ -n "$st" ] || { echo -; return; }
	echo "${st%% *},$(field "/proc/$1/status" TracerPid)"
}
alive() { # alive PID: exists and is not a zombie
	local s
	s=$(pstate "$1")
	[ "$s" != - ] && [ "${s%%,*}" != Z ]
}
wait_file() { # wait_file FILE TIMEOUT_MS
	local end=$(($(now_ms) + $2))
	while [ ! -e "$1" ]; do
		[ "$(now_ms)" -lt $end ] || return 1
		sleep 0.005
	done
}
wait_gone() { # wait_gone PID TIMEOUT_MS
	local end=$(($(now_ms) + $2))
	while alive "$1"; do
		[ "$(now_ms)" -lt $end ] || return 1
		sleep 0.005
	done
}
# The tracer's flags for a mode; $1 = mode, $2 = trace file.
mode_flags() {
	case $1 in
	o) echo "-o $2" ;;
	e) echo "" ;;
	fo) echo "-f -o $2" ;;
	f) echo "-f" ;;
	I[1-4]) echo "-I ${1#I} -o $2" ;;
	I[1-4]e) echo "-I ${1:1:1}" ;;
	p) echo "" ;;
	po) echo "-o $2" ;;
	esac
}
symbolic() { # replace pids by names in a line on stdin
	local s=$1 p=$2
	sed -E -e "s/@[0-9]+//g" -e "s/:$ME([,  ]|$)/:kill\1/g" \
		-e "s/:$s([, ]|$)/:tracer\1/g" -e "s/\b$s\b/TRACER/g" \
		-e "s/\b$p\b/PROG/g"
}
tracer_msgs() { # strace's own messages ("strace: ...") from its stderr
	grep -a -o -E '(strace|waittrace): .*' "$1" 2>/dev/null | sort | uniq -c |
		sed -E 's/^ +//' | tr '\n' ';'
}

# start MODE DIR PROG_MS -> sets SPID (tracer or, untraced, the program),
# PPID_ (the program). The tracer runs in a new session/process group
# (started with $JOB, see above), as a terminal's foreground job would.
start() {
	local mode=$1 d=$2 ms=$3
	SPID= PPID_=
	case $mode in
	untraced)
		$JOB "$BIN/sigcount" $BUSY -r "$d/ready" -o "$d/res" -t "$ms" -e 7 \
			>"$d/out" 2>"$d/err" &
		SPID=$!
		;;
	p | po)
		$JOB "$BIN/sigcount" $BUSY -r "$d/ready" -o "$d/res" -t "$ms" -e 7 \
			>"$d/out" 2>"$d/perr" &
		PPID_=$!
		wait_file "$d/ready" 3000 || return 1
		# shellcheck disable=SC2046
		$JOB $TRACER $(mode_flags "$mode" "$d/trace") -p "$PPID_" \
			>/dev/null 2>"$d/err" &
		SPID=$!
		local end=$(($(now_ms) + 3000))
		until [ "$(field "/proc/$PPID_/status" TracerPid)" = "$SPID" ]; do
			[ "$(now_ms)" -lt $end ] || return 1
			sleep 0.005
		done
		sleep 0.1
		return 0
		;;
	*)
		# shellcheck disable=SC2046
		$JOB $TRACER $(mode_flags "$mode" "$d/trace") \
			"$BIN/sigcount" $BUSY -r "$d/ready" -o "$d/res" -t "$ms" -e 7 \
			>"$d/out" 2>"$d/err" &
		SPID=$!
		;;
	esac
	wait_file "$d/ready" 3000 || return 1
	read -r PPID_ _ _ <"$d/ready"
	sleep 0.1
}

# send KIND TARGET SPID: KIND = INT|TERM|... or "INT+TERM"
send() {
	local kind=$1 target=$2 s=$3 dest
	case $target in
	group) dest="-- -$s" ;;
	tracer | prog) dest=$s ;;
	esac
	if [ "$kind" = INT+TERM ] || [ "$kind" = INT,TERM ]; then
		# INT+TERM: ~10 ms apart; INT,TERM: back to back (tens of us)
		# shellcheck disable=SC2086
		kill -INT $dest
		[ "$kind" = INT+TERM ] && sleep 0.01
		# shellcheck disable=SC2086
		kill -TERM $dest 2>/dev/null || echo "2nd-kill-failed" >"$D/kill2"
	else
		# shellcheck disable=SC2086
		kill -"$kind" $dest
	fi
}

# one_signal_run EXP MODE KIND TARGET REP
one_signal_run() {
	local exp=$1 mode=$2 kind=$3 target=$4 rep=$5 d load
	d=$(mktemp -d "$WORK/run.XXXXXX")
	D=$d
	load=$(cut -d' ' -f1 /proc/loadavg)
	# The program would run for 30 s; this script ends it with SIGUSR1
	# 1 s after the (first) kill, so that the timing does not depend on
	# the machine's load.
	if ! start "$mode" "$d" 30000; then
		printf '%s\t%s\t%s\t%s\t%s\tSTART-FAILED\n' "$exp" "$mode" "$kind" "$target" "$rep"
		[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
		[ -n "$PPID_" ] && kill -KILL "$PPID_" 2>/dev/null
		wait 2>/dev/null
		return
	fi
	local pg
	pg=$(ps -o pgid= -p "$SPID" | tr -d ' ')
	[ "$pg" = "$SPID" ] || echo "# warning: tracer $SPID is not a group leader ($pg)" >&2

	local t0 t_exit=- rc=- s300 pend t_usr1=-
	t0=$(now_ms)
	send "$kind" "$target" "$SPID"
	# poll the tracer's exit for 300 ms, then take a snapshot of the program
	local tr300=running
	while [ $(($(now_ms) - t0)) -lt 300 ]; do
		if [ "$mode" != untraced ] && [ "$t_exit" = - ] && ! alive "$SPID"; then
			t_exit=$(($(now_ms) - t0))
		fi
		sleep 0.005
	done
	s300=$(pstate "$PPID_")
	alive "$SPID" || tr300=exited
	while [ $(($(now_ms) - t0)) -lt 1000 ]; do
		if [ "$mode" != untraced ] && [ "$t_exit" = - ] && ! alive "$SPID"; then
			t_exit=$(($(now_ms) - t0))
		fi
		sleep 0.005
	done
	# end the program (unless it is group-stopped or gone: then it is
	# reported stuck; "t" is a ptrace stop under a live tracer)
	case $(pstate "$PPID_") in
	[SRDt]*) kill -USR1 "$PPID_" && t_usr1=$(($(now_ms) - t0)) ;;
	esac
	if [ "$mode" != untraced ]; then
		if [ "$t_exit" = - ]; then
			if wait_gone "$SPID" 5000; then
				t_exit=$(($(now_ms) - t0))
			else
				t_exit=">5000"
				kill -KILL "$SPID"
			fi
		fi
		wait "$SPID" 2>/dev/null
		rc=$?
	fi
	if wait_gone "$PPID_" 4000; then
		if [ -s "$d/res" ]; then pend=exit; else pend=gone; fi
	else
		pend="stuck:$(pstate "$PPID_")"
		kill -KILL "$PPID_"
	fi
	[ "$mode" = untraced ] && { wait "$SPID" 2>/dev/null; rc=prog:$?; }
	wait "$PPID_" 2>/dev/null
	local res when=-
	res=$(sed -E 's/ end=([a-z0-9]+) ms=[0-9]+/ end=\1/' "$d/res" 2>/dev/null)
	[ -n "$res" ] || res="(no result line)"
	[ -e "$d/kill2" ] && res="$res [2nd kill failed: tracer gone]"
	# when the tracer exited: before the program was told to end, or after
	if [ "$t_exit" != - ] && [ "$t_exit" != ">5000" ]; then
		if [ "$t_usr1" = - ] || [ "$t_exit" -lt "$t_usr1" ]; then
			when="early:${t_exit}ms"
		else
			when="with-prog:+$((t_exit - t_usr1))ms"
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\trc=%s\ttracer_exit=%s\ttracer@300=%s\tprog@300=%s\tprog=%s\t%s\t%s\tload=%s\n' \
		"$exp" "$mode" "$kind" "$target" "$rep" "$rc" "$when" "$tr300" \
		"$s300" "$pend" "$res" "$(tracer_msgs "$d/err")" "$load" | symbolic "$SPID" "$PPID_"
}

MODES=${MODES:-untraced o e fo f I1 I2 I3 I4 I1e I3e p po}
exp_sig() {
	for mode in $MODES; do
		for sig in INT TERM HUP QUIT PIPE; do
			for target in group tracer; do
				[ "$mode" = untraced ] && [ "$target" = tracer ] && target=prog
				for rep in $(seq "$REPS"); do
					one_signal_run sig "$mode" "$sig" "$target" "$rep"
				done
			done
		done
	done
}
exp_two() {
	for mode in $MODES; do
		for target in group tracer; do
			[ "$mode" = untraced ] && [ "$target" = tracer ] && target=prog
			for rep in $(seq "$REPS"); do
				one_signal_run two "$mode" INT+TERM "$target" "$rep"
				one_signal_run two "$mode" INT,TERM "$target" "$rep"
			done
		done
	done
}

# TERM/INT while the program (sh) is group-stopped.
exp_stopped() {
	local mode sig target rep d spid shpid st rc texit t0
	for mode in $MODES; do
		for sig in TERM INT; do
			for target in tracer group; do
				for rep in $(seq "$REPS"); do
					d=$(mktemp -d "$WORK/stop.XXXXXX")
					shpid= spid=
					case $mode in
					untraced)
						$JOB sh -c 'kill -STOP $$; exit 5' &
						spid=$! shpid=$!
						;;
					p | po)
						$JOB sh -c 'kill -STOP $$; exit 5' &
						shpid=$!
						local end=$(($(now_ms) + 3000))
						until case $(pstate "$shpid") in T*) true ;; *) false ;; esac; do
							[ "$(now_ms)" -lt $end ] || break
							sleep 0.01
						done
						# shellcheck disable=SC2046
						$JOB $TRACER $(mode_flags "$mode" "$d/trace") -p "$shpid" 2>"$d/err" &
						spid=$!
						;;
					*)
						# shellcheck disable=SC2046
						$JOB $TRACER $(mode_flags "$mode" "$d/trace") sh -c 'kill -STOP $$; exit 5' \
							>/dev/null 2>"$d/err" &
						spid=$!
						local end=$(($(now_ms) + 3000))
						while shpid=$(tr -d ' ' <"/proc/$spid/task/$spid/children" 2>/dev/null) &&
							{ [ -z "$shpid" ] || [ "$(field "/proc/$shpid/status" Name)" != sh ]; } &&
							[ "$(now_ms)" -lt $end ]; do
							sleep 0.01
						done
						;;
					esac
					# wait until sh has stopped itself (and, -p, is attached)
					local end=$(($(now_ms) + 3000))
					until case $(pstate "$shpid") in [Tt]*) true ;; *) false ;; esac &&
						{ [ "$mode" = untraced ] || [ "$(field "/proc/$shpid/status" TracerPid)" = "$spid" ]; }; do
						[ "$(now_ms)" -lt $end ] || break
						sleep 0.01
					done
					sleep 0.2
					local before
					before=$(pstate "$shpid")
					t0=$(now_ms)
					if [ "$target" = group ]; then kill -"$sig" -- -"$spid"; else kill -"$sig" "$spid"; fi
					texit=- rc=-
					while [ $(($(now_ms) - t0)) -lt 500 ]; do
						if [ "$mode" != untraced ] && [ "$texit" = - ] && ! alive "$spid"; then
							texit=$(($(now_ms) - t0))
						fi
						sleep 0.005
					done
					st=$(pstate "$shpid")
					if [ "$mode" != untraced ] && [ "$texit" = - ]; then
						if wait_gone "$spid" 3000; then texit=$(($(now_ms) - t0)); else texit=">3000"; fi
					fi
					# whatever is left: report it, then clean up
					local left=""
					alive "$spid" && left="tracer-alive "
					alive "$shpid" && left="${left}sh:$(pstate "$shpid")"
					[ -n "$shpid" ] && kill -KILL "$shpid" 2>/dev/null
					[ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null
					wait "$spid" 2>/dev/null
					rc=$?
					[ "$mode" = untraced ] && rc=-
					[ -n "$shpid" ] && { wait "$shpid" 2>/dev/null; }
					printf 'stopped\t%s\t%s\t%s\t%s\tsh_before=%s\tsh_500ms_after=%s\ttracer_exit_ms=%s\trc=%s\tleft_after=%s\t%s\n' \
						"$mode" "$sig" "$target" "$rep" "$before" "$st" "$texit" "$rc" "${left:--}" \
						"$(tracer_msgs "$d/err")" | symbolic "$spid" "$shpid"
				done
			done
		done
	done
}

exp_bg() {
	local d t0 rc
	d=$(mktemp -d "$WORK/bg.XXXXXX")
	for pre in "" "$TRACER" "$TRACER -o $d/t" "$TRACER -f" "$TRACER -f -o $d/t"; do
		for rep in $(seq "$REPS"); do
			t0=$(now_ms)
			# shellcheck disable=SC2086
			$pre bash -c 'sleep 3 &' >"$d/out" 2>"$d/err"
			rc=$?
			printf 'bg\t%s\t%s\trc=%s\telapsed_ms=%s\n' "${pre:-untraced}" "$rep" "$rc" "$(($(now_ms) - t0))"
			sleep 3.1 # let the sleeper die before the next run
		done
	done
}

exp_transp() {
	local d out rc
	d=$(mktemp -d "$WORK/tr.XXXXXX")
	for pre in "" "$TRACER -o $d/t" "$TRACER" "$TRACER -f -o $d/t" "$TRACER -f"; do
		for prog in "$BIN/traceme" "$BIN/tracerpid" "$BIN/lsan" "$BIN/lsan -c" \
			"sh -c $BIN/lsan" "strace -o /dev/null true" "strace -f -o /dev/null true" \
			"gdb -batch -ex run --args /bin/true"; do
			# shellcheck disable=SC2086
			out=$(cd "$d" && $pre $prog 2>"$d/err")
			rc=$?
			local extra
			extra=$(grep -a -E 'LeakSanitizer|strace:|ptrace|Inferior|warning|error' "$d/err" |
				grep -a -v -E '^(ptrace|wait4|execve|[a-z_0-9]+\()' | sort -u | head -4 | tr '\n' ';')
			printf 'transp\t%s\t%s\trc=%s\tout=%s\tstderr=%s\n' "${pre:-untraced}" "$prog" "$rc" \
				"$(echo "$out" | tr '\n' ';')" "$extra" | sed "s#$d/t#FILE#g; s#$BIN/##g"
		done
	done
}

exp_fds() {
	local d rc fd
	d=$(mktemp -d "$WORK/fds.XXXXXX")
	# Inherited descriptors other than 0-2 (a test harness's) would show
	# up in every row: close them for this experiment.
	for fd in $(ls /proc/$BASHPID/fd); do
		[ "$fd" -gt 2 ] && [ "$fd" -lt 255 ] && eval "exec $fd>&-"
	done
	for pre in "" "$TRACER -o $d/t" "$TRACER -f -o $d/t" "$TRACER -I2 -o $d/t"; do
		for closed in none all 0 1 2; do
			rm -f "$d/out"
			case $closed in
			# shellcheck disable=SC2086
			none) $pre "$BIN/fds" -o "$d/out" -x 0,1,2 </dev/null >"$d/o1" 2>"$d/e1" ;;
			# shellcheck disable=SC2086
			all) $pre "$BIN/fds" -o "$d/out" -x "" <&- >&- 2>&- ;;
			# shellcheck disable=SC2086
			0) $pre "$BIN/fds" -o "$d/out" -x 1,2 <&- >"$d/o1" 2>"$d/e1" ;;
			# shellcheck disable=SC2086
			1) $pre "$BIN/fds" -o "$d/out" -x 0,2 </dev/null >&- 2>"$d/e1" ;;
			# shellcheck disable=SC2086
			2) $pre "$BIN/fds" -o "$d/out" -x 0,1 </dev/null >"$d/o1" 2>&- ;;
			esac
			rc=$?
			printf 'fds\t%s\tclosed=%s\trc=%s\t%s\n' "${pre:-untraced}" "$closed" "$rc" \
				"$(tr '\n' ';' <"$d/out" 2>/dev/null)" | sed "s#$d/#DIR/#g"
		done
	done
	# the tracer without -o and stderr closed
	$TRACER "$BIN/fds" -o "$d/out" -x "" <&- >&- 2>&-
	rc=$?
	printf 'fds\t%s(no -o)\tclosed=all\trc=%s\t%s\n' "$TRACER" "$rc" "$(tr '\n' ';' <"$d/out")" | sed "s#$d/#DIR/#g"
}

exp_outfail() {
	local d rc t0 prog
	d=$(mktemp -d "$WORK/of.XXXXXX")
	prog="seq 1 200000"
	for rep in $(seq "$REPS"); do
		t0=$(now_ms)
		# shellcheck disable=SC2086
		$TRACER -o '|head -1 >/dev/null' $prog >"$d/out" 2>"$d/err"
		rc=$?
		printf 'outfail\t-o |head -1\t%s\trc=%s\tms=%s\tprog_lines=%s\tlast=%s\tstrace_msgs=%s\n' "$rep" "$rc" \
			"$(($(now_ms) - t0))" "$(wc -l <"$d/out")" "$(tail -1 "$d/out")" \
			"$(sort "$d/err" | uniq -c | sed -E 's/^ +//' | head -3 | tr '\n' ';')"
		# shellcheck disable=SC2086
		$TRACER $prog >"$d/out" 2>/dev/full
		rc=$?
		printf 'outfail\t2>/dev/full\t%s\trc=%s\tprog_lines=%s\tlast=%s\n' "$rep" "$rc" \
			"$(wc -l <"$d/out")" "$(tail -1 "$d/out")"
		# shellcheck disable=SC2086
		$TRACER -o /dev/full $prog >"$d/out" 2>"$d/err"
		rc=$?
		printf 'outfail\t-o /dev/full\t%s\trc=%s\tprog_lines=%s\tlast=%s\tstrace_msgs=%s\n' "$rep" "$rc" \
			"$(wc -l <"$d/out")" "$(tail -1 "$d/out")" \
			"$(sort "$d/err" | uniq -c | sed -E 's/^ +//' | head -3 | tr '\n' ';')"
		# the trace on stderr into a pipe that closes (interactive mode)
		# shellcheck disable=SC2086
		$TRACER $prog 2>&1 >"$d/out" | head -1 >/dev/null
		printf 'outfail\t2>&1 | head -1 (no -o)\t%s\tstatus=%s\tprog_lines=%s\tlast=%s\n' "$rep" "${PIPESTATUS[0]}" \
			"$(wc -l <"$d/out")" "$(tail -1 "$d/out")"
		# shellcheck disable=SC2086
		$TRACER -I2 -o '|head -1 >/dev/null' $prog >"$d/out" 2>"$d/err"
		rc=$?
		printf 'outfail\t-I2 -o |head -1\t%s\trc=%s\tprog_lines=%s\tlast=%s\tstrace_msgs=%s\n' "$rep" "$rc" \
			"$(wc -l <"$d/out")" "$(tail -1 "$d/out")" \
			"$(sort "$d/err" | uniq -c | sed -E 's/^ +//' | head -3 | tr '\n' ';')"
		# the traced program's own output into a closed pipe
		# shellcheck disable=SC2086
		$TRACER -o "$d/t" $prog 2>"$d/err" | head -1 >/dev/null
		printf 'outfail\tprog|head -1 (-o FILE)\t%s\tstatus=%s\tprog_end=%s\n' "$rep" "${PIPESTATUS[0]}" \
			"$(tail -1 "$d/t")"
	done
}

for e in $EXPS; do
	"exp_$e"
done
