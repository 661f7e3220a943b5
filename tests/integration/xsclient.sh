#!/bin/sh
# xsclient.sh: run one group of xsclient's libxenstore checks (arg 4)
# against a fresh daemon.
. "$(dirname "$0")/lib.sh"
need_xsclient
client_group xsclient "$XSCLIENT" \
	"${4:?usage: $0 XENBACKD XSCLIENT RAWCLIENT GROUP}"
