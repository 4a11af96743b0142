printf 'a\tb\n'
printf '%b\n' 'x\ty' 'oct\0101'
printf '\101\102\n'
printf '%s\n'
