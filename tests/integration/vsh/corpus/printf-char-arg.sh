printf '%d\n' "'A" '"B'
