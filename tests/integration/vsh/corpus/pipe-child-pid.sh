outer=$$
for i in 1; do echo $$; done | { read p; [ "$p" = "$outer" ] && echo same pid; }
