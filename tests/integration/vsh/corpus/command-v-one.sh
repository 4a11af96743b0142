f() { :; }
command -v f echo true
command -v nosuch_cmd_q; echo "status $?"
