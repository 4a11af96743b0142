# vsh's jobs and signals in vrsim, without a terminal: the line discipline's ^Z and ^C are
# played by a background vsh sending SIGTSTP / SIGINT to the shell's process group (the
# interactive shell, -i, ignores SIGTSTP and catches SIGINT; a background job has a group of
# its own, so it is not hit). Checked: ^Z stops the foreground job (status 148, "Stopped"),
# jobs lists it, fg resumes it to its end; ^C ends the foreground job and abandons the rest of
# the command line (status 130) and the shell goes on; kill, wait, traps on real signals.
set -e
. "$(dirname "$0")/../lib.sh"

printf '%s\n' \
    '/bin/vsh -c "/test/sleepy 10; kill -TSTP -$$" &' \
    '/test/sleepy 1000' \
    'echo "stopped: $?"' \
    'jobs' \
    'fg' \
    'echo "fg: $?"' \
    '/bin/vsh -c "/test/sleepy 10; kill -INT -$$" &' \
    '/test/sleepy 1000; echo not-reached' \
    'echo "after ^C: $?"' \
    'exit 7' >"$TMP/jc.in"
run_vrsim_input jc "$TMP/jc.in" "$TESTIMAGE" -- /bin/vsh -i
expect_eq "^Z: the job stops with 128+SIGTSTP" "$(out jc | grep -c '^stopped: 148$')" 1
expect_match "^Z: jobs lists it" "$(out jc)" '\[2\]\+ +Stopped +/test/sleepy 1000'
expect_match "fg: the job resumes and finishes" "$(out jc)" 'sleepy: slept 1000 ms'
expect_eq "fg: its status" "$(out jc | grep -c '^fg: 0$')" 1
expect_no_match "^C: the rest of the line is abandoned" "$(out jc)" 'not-reached'
expect_eq "^C: 130, the shell goes on" "$(out jc | grep -c '^after \^C: 130$')" 1
expect_eq "^C: the shell survives to exit 7" "$(status jc)" 7

run_vrsim sig "$TESTIMAGE" -- /bin/vsh -c '/test/sleepy 100000 & p=$!
jobs
kill $p; wait $p; echo "killed: $?"
trap "echo trapped USR1" USR1
kill -USR1 $$
echo "after trap"
trap "" TERM; kill $$; echo "TERM ignored"
trap - TERM
/test/sleepy 100000 & kill -STOP %1; jobs; kill -CONT %1; kill -9 %1; wait %1; echo "wait %1: $?"
kill -l 9; kill -s BOGUS 1; echo "bad signal: $?"
kill 99999; echo "no such pid: $?"'
expect_eq "kill, wait, traps" "$(out sig)" "[1]+  Running                /test/sleepy 100000
killed: 143
trapped USR1
after trap
TERM ignored
[1]+  Stopped                /test/sleepy 100000
wait %1: 137
KILL
bad signal: 2
no such pid: 1"
expect_match "kill of a missing pid: reported" "$(err sig)" 'kill: \(99999\)'

# ^C while the interactive shell waits at its prompt: a fresh prompt, $? 130, the shell stays.
# The second half of the input comes a second later, so the shell is blocked reading when the
# background vsh's SIGINT arrives.
set +e
( printf '%s\n' '/bin/vsh -c "kill -INT $$" &'; sleep 1; printf '%s\n' 'echo "next: $?"' 'exit 3' ) |
    "$VRSIM" run "$TESTIMAGE" -- /bin/vsh -i >"$TMP/pint.out" 2>"$TMP/pint.err"
echo $? >"$TMP/pint.status"
set -e
expect_eq "^C at the prompt: \$? is 130" "$(out pint)" "next: 130"
expect_eq "^C at the prompt: the shell goes on" "$(status pint)" 3
expect_match "^C at the prompt: a fresh prompt" "$(err pint)" '/ \$ '$'\n''/ \$ '

# a trap set in a subshell (which runs in-process) is gone afterwards, disposition included:
# TERM kills the shell again
run_vrsim subtrap "$TESTIMAGE" -- /bin/vsh -c '(trap "echo in-sub" TERM; kill -TERM $$); echo "after: $?"
kill -TERM $$; echo not-reached'
expect_eq "subshell trap: ran inside" "$(out subtrap)" "in-sub
after: 0"
expect_eq "subshell trap: TERM's default is back" "$(status subtrap)" 143

# exec replaces the shell: same pid, no return
run_vrsim ex "$TESTIMAGE" -- /bin/vsh -c 'echo "pid $$"; exec /bin/vsh -c "echo \"pid \$\$\"; exit 5"; echo never'
expect_eq "exec: one pid" "$(out ex | sort -u | wc -l)" 1
expect_eq "exec: the new program's status" "$(status ex)" 5
finish
