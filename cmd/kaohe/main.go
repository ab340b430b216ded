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
	"github.com/jonboulle/clockwork"

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
	hooks  testHooks
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
	Adjust       AdjustCmd       `cmd:"" help:"Record, list and revoke the office's 加分/减分 items and 抽查核查 results."`
	Verify       VerifyCmd       `cmd:"" help:"Write the 核查表 of an 抽查核查 for a sample of villages, and record the filled one."`
	Extend       ExtendCmd       `cmd:"" help:"Open a locked period for one county until a given time (who, when, why recorded)."`
	Review       ReviewCmd       `cmd:"" help:"The office's review: list, approve or return forms; accept or discard forms from addresses not on the roster."`
	Deliver      DeliverCmd      `cmd:"" help:"Send the mail waiting in the outbox."`
	VerifyReport VerifyReportCmd `cmd:"" name:"verify-report" help:"Tell whether a PDF is a report kaohe issued, by rendering it again from the store."`
	Status       StatusCmd       `cmd:"" help:"Who sent what for a period: on time, late, missing, rejected."`
	Outbox       OutboxCmd       `cmd:"" help:"List outgoing mail: queued, sent, failed."`
	Runs         RunsCmd         `cmd:"" help:"List the job runs."`
	Serve        ServeCmd        `cmd:"" help:"Run the scheduler until SIGINT/SIGTERM."`
	Web          WebCmd          `cmd:"" help:"Run the office console in the browser, alone against the store."`
	User         UserCmd         `cmd:"" help:"Manage the office console's users."`
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
	return runWith(args, stdout, stderr, testHooks{})
}

// testHooks let tests run a command with what the command line cannot give (a fake
// clock). The zero value is production.
type testHooks struct {
	clock clockwork.Clock
	ctx   context.Context // the root context instead of context.Background()
}

// kongExit is how kong's exit (after --help, on a parse error) unwinds out of Parse:
// help must end the program there, never fall through to running the command.
type kongExit int

func runWith(args []string, stdout, stderr io.Writer, hooks testHooks) (code int) {
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("kaohe"),
		kong.Description(description),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
	)
	if err != nil {
		fmt.Fprintln(stderr, "kaohe:", err)
		return exitInternal
	}
	if len(args) == 0 {
		args = []string{"--help"} // kaohe alone: the usage, and nothing run
	}
	kctx, err := parseArgs(parser, args)
	if code, ok := err.(kongExit); ok {
		// --help printed the usage (exit 0), or kong gave up on the command line.
		if code != 0 {
			return exitUsage
		}
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "kaohe:", err)
		return exitUsage
	}
	if kctx.Command() == "" {
		return exitOK
	}
	root := context.Background()
	if hooks.ctx != nil {
		root = hooks.ctx
	}
	ctx, stop := signal.NotifyContext(root, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cli.ctx = ctx
	cli.stdout, cli.stderr = stdout, stderr
	cli.logger = newLogger(stderr, cli.LogFormat, cli.Verbose)
	cli.hooks = hooks
	err = kctx.Run(&cli.Globals)
	return exitCode(ctx, err, stderr)
}

// parseArgs is parser.Parse, with kong's exit (after printing help) returned as a
// kongExit error rather than run on.
func parseArgs(parser *kong.Kong, args []string) (kctx *kong.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			kctx, err = nil, code
		}
	}()
	return parser.Parse(args)
}

func (k kongExit) Error() string { return fmt.Sprintf("exit %d", int(k)) }

const description = "kaohe (考核) turns the 乡村振兴 checklist into county forms, reads the filled forms from a mailbox, scores the counties and mails PDF reports."

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
