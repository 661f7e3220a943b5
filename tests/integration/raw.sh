#!/bin/sh
# raw.sh: run one group of rawclient's wire-level checks (arg 4) against a
# fresh daemon.
. "$(dirname "$0")/lib.sh"
need_rawclient
client_group rawclient "$RAWCLIENT" \
	"${4:?usage: $0 XENBACKD XSCLIENT RAWCLIENT GROUP}"
