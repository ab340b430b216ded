// Command kaohe runs the monthly 乡村振兴 assessment: it writes the county progress forms,
// mails them out, reads the filled forms that come back by mail, scores every county and
// mails back PDF reports. Run `kaohe --help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/jining/kaohe/internal/bench"
)

// Exit codes, documented in the README.
const (
	exitOK          = 0 // success
	exitUser        = 1 // a problem the user can fix: bad input file, bad config, rejected form
	exitUsage       = 2 // bad command line
	exitUnreachable = 3 // a mail server or the store could not be reached
	exitInternal    = 4 // a bug or an unexpected failure
	exitInterrupted = 130
)

// Globals are the flags every subcommand takes.
type Globals struct {
	Config    string `help:"Config file (TOML). Without one, the embedded checklist and demo roster are used." env:"KAOHE_CONFIG" type:"path" placeholder:"FILE"`
	Store     string `help:"Store (SQLite file), overriding the config's store.path." type:"path" placeholder:"PATH"`
	LogFormat string `help:"Log format: text or json." enum:"text,json" default:"text" name:"log-format"`
	Verbose   bool   `help:"Log debug messages." short:"v"`

	ctx    context.Context
	logger *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

// CLI is the command line.
type CLI struct {
	Globals

	Demo         DemoCmd         `cmd:"" help:"Run the whole monthly job on embedded mail servers and the demo roster."`
	Template     TemplateCmd     `cmd:"" help:"Write a county's progress form (.xlsx)."`
	Check        CheckCmd        `cmd:"" help:"Check a filled form offline, as the mail intake would."`
	Import       ImportCmd       `cmd:"" help:"Store filled forms from files, validated as the mail intake would."`
	Dispatch     DispatchCmd     `cmd:"" help:"Mail each county its form for a period."`
	Collect      CollectCmd      `cmd:"" help:"Read the intake mailbox, store and answer every form."`
	Remind       RemindCmd       `cmd:"" help:"Remind the counties that have no accepted form yet."`
	Assess       AssessCmd       `cmd:"" help:"Score a period, print the league table, write and queue the reports."`
	Deliver      DeliverCmd      `cmd:"" help:"Send the mail waiting in the outbox."`
	Status       StatusCmd       `cmd:"" help:"Who sent what for a period: on time, late, missing, rejected."`
	VerifyReport VerifyReportCmd `cmd:"" name:"verify-report" help:"Tell whether a PDF is a report kaohe issued, by rendering it again from the store."`
	Outbox       OutboxCmd       `cmd:"" help:"List outgoing mail: queued, sent, failed."`
	Runs         RunsCmd         `cmd:"" help:"List the job runs."`
	Serve        ServeCmd        `cmd:"" help:"Run the scheduler until SIGINT/SIGTERM."`
	Bench        BenchCmd        `cmd:"" help:"Run the whole pipeline at scale on embedded servers and print the figures."`
	Init         InitCmd         `cmd:"" help:"Write the documented sample config."`
	Doctor       DoctorCmd       `cmd:"" help:"Check config, store, font and mail servers."`
	Version      VersionCmd      `cmd:"" help:"Print the version of kaohe and of its checklist."`
}

// userError is an error the user can fix; its message is printed as is and the exit
// code is exitUser (or code, when set).
type userError struct {
	msg  string
	code int
}

func (e *userError) Error() string { return e.msg }

func userErrorf(format string, a ...any) error { return &userError{msg: fmt.Sprintf(format, a...)} }

func main() {
	if code, ok := bench.ChildMain(); ok { // kaohe bench's pipeline process
		os.Exit(code)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("kaohe"),
		kong.Description("kaohe (考核) turns the 乡村振兴 checklist into county forms, reads the filled forms from a mailbox, scores the counties and mails PDF reports."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(int) {}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "kaohe:", err)
		return exitInternal
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		if errors.Is(err, errHelpShown) || kctx != nil && kctx.Error == nil && len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return exitOK
		}
		fmt.Fprintln(stderr, "kaohe:", err)
		return exitUsage
	}
	if kctx.Command() == "" {
		return exitOK
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cli.ctx = ctx
	cli.stdout, cli.stderr = stdout, stderr
	cli.logger = newLogger(stderr, cli.LogFormat, cli.Verbose)
	err = kctx.Run(&cli.Globals)
	return exitCode(ctx, err, stderr)
}

var errHelpShown = errors.New("help shown")

func newLogger(w io.Writer, format string, verbose bool) *slog.Logger {
	if verbose {
		return newLoggerLevel(w, format, slog.LevelDebug)
	}
	return newLoggerLevel(w, format, slog.LevelInfo)
}

func newLoggerLevel(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// exitCode prints err for the user and maps it to an exit code.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ue *userError
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "kaohe: interrupted")
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, ue.msg)
		if ue.code != 0 {
			return ue.code
		}
		return exitUser
	default:
		fmt.Fprintln(stderr, "kaohe:", err)
		return exitInternal
	}
}
