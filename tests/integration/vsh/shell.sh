# vsh in vrsim: the default boot ends in the shell (commands on the console, `exit 3` is
# vrsim's status, a clean shutdown), vsh's ways of getting a script (-c, FILE ARGS, standard
# input), syntax errors with line:column and status 2, 127 and 126, deep recursion stopped with
# an error while the shell goes on, one seed giving one digest.
set -e
. "$(dirname "$0")/../lib.sh"

# the default boot: no PROGRAM, the console program of services.toml is /bin/vsh
printf 'echo hi\nexit 3\n' >"$TMP/in1"
run_vrsim_input boot "$TMP/in1" "$IMAGE"
expect_eq "default boot: output" "$(out boot)" "hi"
expect_eq "default boot: exit 3 is vrsim's status" "$(status boot)" 3
expect_match "default boot: the services stop" "$(err boot)" "init: stopped vfs"
expect_digest_line boot
run_vrsim_input boot2 "$TMP/in1" "$IMAGE"
expect_eq "default boot: one seed, one digest" "$(digest boot2)" "$(digest boot)"

# end of input ends the shell with the last status
printf 'false\n' >"$TMP/in2"
run_vrsim_input eof "$TMP/in2" "$IMAGE"
expect_eq "end of input: the last status" "$(status eof)" 1
expect_match "end of input: clean shutdown" "$(err eof)" "init: stopped vfs"

# a program the shell starts, with arguments and variables
run_vrsim prog "$IMAGE" -- /bin/vsh -c 'X=1 /bin/hello "a b" c; echo "st=$?"'
expect_eq "external program" "$(out prog)" "Hello from Veridian!
argv[1] = a b
argv[2] = c
st=0"

# script on standard input (not a terminal)
printf 'a=5\necho "a is $a"\nexit $((a+1))\n' >"$TMP/in3"
run_vrsim_input stdin "$TMP/in3" "$IMAGE" -- /bin/vsh -s
expect_eq "script on stdin: output" "$(out stdin)" "a is 5"
expect_eq "script on stdin: status" "$(status stdin)" 6

# vsh FILE ARGS: a script written into /tmp by the shell itself, then run with arguments
run_vrsim file "$IMAGE" -- /bin/vsh -c 'printf "%s\n" "echo \"\$0: \$# \$2\"" "exit 4" >/tmp/s.sh
/bin/vsh /tmp/s.sh one two three; echo "st=$?"'
expect_eq "vsh FILE ARGS" "$(out file)" "/tmp/s.sh: 3 two
st=4"

# syntax errors: line:column on stderr, status 2, nothing after runs; earlier lines did
run_vrsim syn "$IMAGE" -- /bin/vsh -c 'echo first
echo "unterminated'
expect_eq "syntax error: earlier lines ran" "$(out syn)" "first"
expect_eq "syntax error: status 2" "$(status syn)" 2
expect_match "syntax error: line and column" "$(err syn)" "vsh: 2:6: syntax error: unterminated quoted string"
run_vrsim syn2 "$IMAGE" -- /bin/vsh -c 'if true; then echo x; fi; fi'
expect_match "unexpected word: reported" "$(err syn2)" "vsh: 1:27: syntax error: unexpected \"fi\""
run_vrsim subst "$IMAGE" -- /bin/vsh -c 'echo ${a!b}'
expect_eq "bad substitution: status 2" "$(status subst)" 2
expect_match "bad substitution: reported" "$(err subst)" 'bad substitution'

# 127, 126, missing files
run_vrsim codes "$IMAGE" -- /bin/vsh -c 'nosuchcmd; echo "127=$?"
echo "echo x" >/tmp/plain; /tmp/plain; echo "126=$?"
/; echo "dir=$?"
cat_() { read x <"$1"; }; cat_ /no/file; echo "missing=$?"
/bin/vsh /no/such/script; echo "noscript=$?"'
expect_eq "exit statuses" "$(out codes)" "127=127
126=126
dir=126
missing=2
noscript=127"
expect_match "127: message" "$(err codes)" "nosuchcmd: not found"
expect_match "126: message" "$(err codes)" "/tmp/plain: Permission denied"

# deep recursion: an error, and the shell goes on
run_vrsim deep "$IMAGE" -- /bin/vsh -c 'f() { f; }
f
echo "after: $?"
x=$(f); echo "in a substitution: $?"'
expect_eq "deep recursion: the shell survives" "$(out deep)" "after: 2
in a substitution: 2"
expect_match "deep recursion: reported" "$(err deep)" "function nesting too deep"
expect_no_match "deep recursion: no crash" "$(err deep)" "SIGSEGV"

# deep nesting in the parser, the expansions and arithmetic: errors, never a crash
for kind in braces parens arith; do
    case $kind in
    braces) text=$(printf 'echo ${x:-%.0s' $(seq 3000); printf 'y'; printf '}%.0s' $(seq 3000)) ;;
    parens) text=$(printf '(%.0s' $(seq 3000); printf 'echo deep'; printf ')%.0s' $(seq 3000)) ;;
    arith) text=$(printf 'echo $((%.0s' 1; printf '(%.0s' $(seq 3000); printf 1; printf ')%.0s' $(seq 3000); printf '))') ;;
    esac
    run_vrsim "nest-$kind" "$IMAGE" -- /bin/vsh -c "$text"
    expect_no_match "deep nesting ($kind): no crash" "$(err nest-$kind)" 'SIGSEGV|killed'
    expect_match "deep nesting ($kind): an error" "$(err nest-$kind)" 'nested too deeply'
    expect_eq "deep nesting ($kind): status 2" "$(status nest-$kind)" 2
done

# no leaks: the heap after 50 and after 300 rounds of definitions, substitutions, subshells,
# pipelines, here-documents, traps and programs is the same (VSH_MALLOC_STATS: figures at exit)
for n in 50 300; do
    run_vrsim "leak$n" "$IMAGE" -- /bin/vsh -c "VSH_MALLOC_STATS=1
i=0
while [ \$i -lt $n ]; do
    f() { local v=\$1; echo \$v; }
    x=\$(f \$i); y=\${x%0}; set -- a b; shift
    (g() { :; }; g) ; f a | { read z; }; echo b | read w
    eval 'h() { h() { :; }; }; h'; unset -f h
    read r <<END
\$i
END
    trap ': x' USR1; trap - USR1; alias q=:; unalias q
    /bin/true | /bin/true
    i=\$((i+1))
done
:"
done
# the last figure is the shell's own (its child vshs print theirs too); a few bytes differ
# with the numbers' lengths
heap50=$(err leak50 | sed -n 's/^vsh-malloc: in_use=\([0-9]*\).*/\1/p' | tail -n 1)
heap300=$(err leak300 | sed -n 's/^vsh-malloc: in_use=\([0-9]*\).*/\1/p' | tail -n 1)
expect_eq "no leaks: the heap in use after 300 rounds is within 1 KiB of 50 rounds' ($heap50, $heap300)" \
    "$(( ${heap300:-0} - ${heap50:-0} < 1024 ))" 1
expect_match "no leaks: the figures are there" "$(err leak50)" 'vsh-malloc: in_use=[0-9]+'

# an executable script without being a boot-image program runs in a new vsh
run_vrsim script "$IMAGE" -- /bin/vsh -c 'printf "echo from-script \$1\n" >/tmp/x.sh; chmod_() { :; }; /bin/vsh /tmp/x.sh arg'
expect_eq "script file" "$(out script)" "from-script arg"
# interactive history (-i on a pipe: prompts on stderr): !!, !N, history, an unknown event, and
# $HOME/.vsh_history read by the next interactive shell
printf 'echo one\n!!\necho two\n!1\nhistory\n!99\necho still here\n' >"$TMP/hist.in"
run_vrsim_input hist "$TMP/hist.in" "$IMAGE" -- /bin/vsh -i
expect_eq "history: !!, !N, history" "$(out hist)" "one
one
two
one
    1  echo one
    2  echo two
    3  echo one
    4  history
still here"
expect_match "history: unknown event" "$(err hist)" '!99: event not found'
run_vrsim histfile "$IMAGE" -- /bin/vsh -c 'HOME=/tmp; export HOME
echo "echo saved" >/tmp/in1; /bin/vsh -i </tmp/in1 2>/dev/null
echo "history" >/tmp/in2; /bin/vsh -i </tmp/in2 2>/dev/null'
expect_eq "history: kept in \$HOME/.vsh_history" "$(out histfile)" "saved
    1  echo saved
    2  history"
# an interactive shell survives syntax errors and bad substitutions; the prompt after an error
# is PS1 again (not a continuation)
printf 'fi\necho ok\nif then\necho "after $?"\necho ${x!y}\necho "still $?"\nexit 4\n' >"$TMP/ie.in"
run_vrsim_input ie "$TMP/ie.in" "$IMAGE" -- /bin/vsh -i
expect_eq "interactive errors: the shell goes on" "$(out ie)" "ok
after 2
still 2"
expect_eq "interactive errors: exit 4" "$(status ie)" 4
expect_match "interactive errors: line:column" "$(err ie)" 'vsh: 3:4: syntax error: unexpected "then"'
expect_no_match "interactive errors: no continuation prompt" "$(err ie)" '> '

# HOME=/ (vrsim's) is not writable for uid 1000: the history goes to the passwd home, /tmp
run_vrsim histdef "$IMAGE" -- /bin/vsh -c 'echo "echo kept" >/tmp/in1; /bin/vsh -i </tmp/in1 2>/dev/null
read l </tmp/.vsh_history; echo "file: $l"; echo ~user'
expect_eq "history: the passwd home when HOME is not writable" "$(out histdef)" "kept
file: echo kept
/tmp"
finish
