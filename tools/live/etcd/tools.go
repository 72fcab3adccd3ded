//go:build tools

// The command built from this module; the import keeps it (and its dependencies' checksums) in go.mod/go.sum.
package tools

import _ "go.etcd.io/etcd/server/v3"
