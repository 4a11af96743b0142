p=/usr/local/bin/tool
echo ${p#/} ${p#*/} ${p##*/} ${p#nomatch}
