# needs: grep
printf 'alpha\nbeta\n' | grep -q beta && echo found
printf 'alpha\nbeta\n' | grep -q gamma || echo "not found: $?"
echo x | grep -c x
