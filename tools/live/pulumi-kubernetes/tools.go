//go:build tools

// The packages the provider's main package and its schema generator import (both are copied in at build time);
// the imports keep them and their dependencies' checksums in go.mod/go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
