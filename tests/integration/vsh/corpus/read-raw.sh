printf '%s\n' 'a\tb\\c' | { read -r x; echo "$x"; }
printf '%s\n' 'a\tb\\c' | { read x; echo "$x"; }
