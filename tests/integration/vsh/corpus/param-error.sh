s=ok
echo ${s?oops}
(echo ${unsetvar?custom message}) 2>/dev/null
echo status $?
