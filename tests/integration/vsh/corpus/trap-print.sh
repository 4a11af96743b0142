trap 'echo x' EXIT
trap
trap - EXIT
