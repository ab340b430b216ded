// Package kaohe holds the files that live at the top of the repository and are built
// into the binary: the documented sample configuration.
package kaohe

import _ "embed"

// ConfigExample is config.example.toml: every key with its default and a comment.
//
//go:embed config.example.toml
var ConfigExample []byte
