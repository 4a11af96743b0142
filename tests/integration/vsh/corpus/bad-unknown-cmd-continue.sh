no_such_command_abc 2>/dev/null
echo "status $?"
no_such_command_abc 2>/dev/null || echo handled
