package main

// TemplateCmd writes a county's form. Implemented with the templates package.
type TemplateCmd struct {
	County string `help:"County code." required:""`
	Period string `help:"Period, YYYY-MM." required:""`
	Out    string `short:"o" help:"Output file." required:"" type:"path"`
}

// Run writes the form.
func (c *TemplateCmd) Run(g *Globals) error { return userErrorf("template: not yet implemented") }

// CheckCmd checks a filled form offline.
type CheckCmd struct {
	File   string `arg:"" type:"existingfile" help:"The filled form (.xlsx)."`
	County string `help:"Expected county code."`
	Period string `help:"Expected period, YYYY-MM."`
}

// Run checks the form.
func (c *CheckCmd) Run(g *Globals) error { return userErrorf("check: not yet implemented") }
