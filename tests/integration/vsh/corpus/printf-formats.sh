printf '%s-%s\n' a b c d
printf '%d %i %x %X %o %u\n' 42 -7 255 255 8 3
printf '[%5s][%-5s][%.2s]\n' ab ab abcdef
printf '[%05d][%-4d][%+d]\n' 42 7 3
printf '%c%c\n' hello world
printf '%%\n'
printf 'no args\n'
