while read -r l; do echo "[$l]"; done <<-EOF
	tabbed
		twice
	EOF
