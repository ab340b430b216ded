package main

import (
	"fmt"

	"github.com/jining/kaohe/seeds"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints kaohe's version and the embedded checklist's.
func (VersionCmd) Run(g *Globals) error {
	c := seeds.DefaultChecklist()
	fmt.Fprintf(g.stdout, "kaohe %s, checklist %s %s (%d tasks)\n", version, c.Name, c.Version, len(c.Tasks()))
	return nil
}
