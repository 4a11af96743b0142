printf '%e %.2f %g %5.1f|%-6.2f|\n' 1 3.14159 0.5 2 1.5
printf '%f\n' abc 2>/dev/null; echo "status $?"
