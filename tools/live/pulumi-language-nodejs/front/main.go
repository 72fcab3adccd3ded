// Command pulumi-language-nodejs fronts the Node.js language host that the Go module proxy serves (v3.68.0, built
// by scripts/install-live-tools.sh as pulumi-language-nodejs-v3.68.0 beside this binary) for the newer engine.
//
// Why: an engine that finds a Node.js language host runs TypeScript policy packs (`--policy-pack`) through the
// host's RunPlugin call, which v3.68.0 answers with "not supported"; the proxy serves no newer host (403). This
// front starts that host, passes every other call through to it unchanged, and answers RunPlugin itself as the
// Node.js SDK expects: `node <the plugin's @pulumi/pulumi>/cmd/run-plugin <plugin directory> <args>`, its output
// streamed back to the engine.
//
// It answers Run (the program itself) too: v3.68.0 puts a resource monitor proxy of its own between the program
// and the engine, which forwards only the calls its time knew. Resource hooks (RegisterResourceHook, which the
// cluster layer's delete hooks use) and the other newer calls would fail there with "unknown method"; started
// here, the program talks to the engine's monitor directly, as it does under current language hosts.
//
// RunPlugin's request and response are read and written field by field (protowire): v3.68.0's generated types
// predate the request's `info` field, which carries the plugin's directory.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protowire"
)

// The wrapped host's file name, beside this binary; scripts/install-live-tools.sh sets it from versions.env.
var wrappedName = "pulumi-language-nodejs-v3.68.0"

// frame is a message carried without decoding: every call passes through as bytes.
type frame struct{ data []byte }

type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return f.data, nil
	}
	return nil, fmt.Errorf("cannot encode %T", v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*frame); ok {
		f.data = append([]byte(nil), data...)
		return nil
	}
	return fmt.Errorf("cannot decode into %T", v)
}

// The protobuf codec's name: both sides keep speaking "application/grpc+proto".
func (codec) Name() string { return "proto" }

// forward relays one call of any kind (unary or streaming) to the wrapped host, message by message.
func forward(target *grpc.ClientConn) grpc.StreamHandler {
	return func(_ any, server grpc.ServerStream) error {
		method, ok := grpc.MethodFromServerStream(server)
		if !ok {
			return errors.New("no method in the call")
		}
		ctx, cancel := context.WithCancel(server.Context())
		defer cancel()
		desc := &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}
		client, err := target.NewStream(ctx, desc, method, grpc.ForceCodec(codec{}))
		if err != nil {
			return err
		}
		go func() { // engine -> host
			for {
				in := &frame{}
				if err := server.RecvMsg(in); err != nil {
					_ = client.CloseSend()
					return
				}
				if err := client.SendMsg(in); err != nil {
					return
				}
			}
		}()
		if header, err := client.Header(); err == nil {
			_ = server.SendHeader(header)
		}
		for { // host -> engine, then the host's status
			out := &frame{}
			if err := client.RecvMsg(out); err != nil {
				server.SetTrailer(client.Trailer())
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if err := server.SendMsg(out); err != nil {
				return err
			}
		}
	}
}

// runPluginRequest holds the RunPluginRequest fields used here: args (3), env (4) and info.program_directory (5.2).
type runPluginRequest struct {
	dir       string
	args, env []string
}

func parseRunPlugin(b []byte) (runPluginRequest, error) {
	var r runPluginRequest
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return r, protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return r, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return r, protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case 3:
			r.args = append(r.args, string(v))
		case 4:
			r.env = append(r.env, string(v))
		case 5:
			for len(v) > 0 {
				inum, ityp, in := protowire.ConsumeTag(v)
				if in < 0 {
					return r, protowire.ParseError(in)
				}
				v = v[in:]
				in = protowire.ConsumeFieldValue(inum, ityp, v)
				if in < 0 {
					return r, protowire.ParseError(in)
				}
				if inum == 2 && ityp == protowire.BytesType {
					s, _ := protowire.ConsumeBytes(v)
					r.dir = string(s)
				}
				v = v[in:]
			}
		}
	}
	return r, nil
}

// runRequest holds the RunRequest fields used here (sdk/proto/go/language.pb.go): project (1), stack (2), pwd (3),
// program (4), args (5), config (6, a map), dryRun (7), parallel (8), monitor_address (9), queryMode (10),
// configSecretKeys (11), organization (12) and info.program_directory (14.2).
type runRequest struct {
	project, stack, pwd, program, monitor, organization, dir string
	args, secretKeys                                         []string
	config                                                   map[string]string
	dryRun, queryMode                                        bool
	parallel                                                 int32
}

// fields calls visit for every field of a message: its number, wire type, and value (bytes or varint).
func fields(b []byte, visit func(num protowire.Number, bytes []byte, varint uint64)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			visit(num, v, 0)
			b = b[n:]
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			visit(num, nil, v)
			b = b[n:]
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}

func parseRun(b []byte) (runRequest, error) {
	r := runRequest{config: map[string]string{}}
	var inner error
	err := fields(b, func(num protowire.Number, v []byte, n uint64) {
		switch num {
		case 1:
			r.project = string(v)
		case 2:
			r.stack = string(v)
		case 3:
			r.pwd = string(v)
		case 4:
			r.program = string(v)
		case 5:
			r.args = append(r.args, string(v))
		case 6:
			var key, value string
			if err := fields(v, func(num protowire.Number, v []byte, _ uint64) {
				if num == 1 {
					key = string(v)
				} else if num == 2 {
					value = string(v)
				}
			}); err != nil {
				inner = err
			}
			r.config[key] = value
		case 7:
			r.dryRun = n != 0
		case 8:
			r.parallel = int32(n)
		case 9:
			r.monitor = string(v)
		case 10:
			r.queryMode = n != 0
		case 11:
			r.secretKeys = append(r.secretKeys, string(v))
		case 12:
			r.organization = string(v)
		case 14:
			if err := fields(v, func(num protowire.Number, v []byte, _ uint64) {
				if num == 2 {
					r.dir = string(v)
				}
			}); err != nil {
				inner = err
			}
		}
	})
	if err == nil {
		err = inner
	}
	if r.dir == "" {
		r.dir = r.pwd
	}
	return r, err
}

// runResponse encodes RunResponse: error (1), bail (2).
func runResponse(message string, bail bool) *frame {
	var b []byte
	if message != "" {
		b = protowire.AppendBytes(protowire.AppendTag(b, 1, protowire.BytesType), []byte(message))
	}
	if bail {
		b = protowire.AppendVarint(protowire.AppendTag(b, 2, protowire.VarintType), 1)
	}
	return &frame{data: b}
}

// The SDK's exit code for "the user already got an actionable message": the engine then stops without another.
const exitAfterActionableMessage = 32

// The host's arguments as the engine passes them: flags (-tracing URL among them) and the engine's address last.
var engineAddress, tracing string

func parseHostArgs(args []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-tracing" || arg == "--tracing":
			if i+1 < len(args) {
				tracing = args[i+1]
				i++
			}
		case strings.HasPrefix(arg, "-tracing=") || strings.HasPrefix(arg, "--tracing="):
			tracing = arg[strings.Index(arg, "=")+1:]
		case !strings.HasPrefix(arg, "-"):
			engineAddress = arg
		}
	}
}

// runProgram runs the program with the SDK's runner from the program's own dependencies, connected to the
// engine's resource monitor.
func runProgram(_ any, _ context.Context, decode func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := &frame{}
	if err := decode(in); err != nil {
		return nil, err
	}
	req, err := parseRun(in.data)
	if err != nil {
		return nil, fmt.Errorf("Run request: %w", err)
	}
	resolve := exec.Command("node", "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run'))")
	resolve.Dir = req.dir
	runner, err := resolve.Output()
	if err != nil {
		return runResponse(
			fmt.Sprintf("the program in %q has no @pulumi/pulumi (run pnpm install): %v", req.dir, err), false), nil
	}
	args := []string{string(runner)}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.monitor)
	flag("engine", engineAddress)
	flag("organization", req.organization)
	flag("project", req.project)
	flag("stack", req.stack)
	flag("pwd", req.pwd)
	if req.dryRun {
		args = append(args, "--dry-run")
	}
	flag("query-mode", fmt.Sprint(req.queryMode))
	flag("parallel", fmt.Sprint(req.parallel))
	flag("tracing", tracing)
	program := req.program
	if program == "" {
		// Node then loads the package's main module, as `node .` would.
		program = "."
	}
	args = append(append(args, program), req.args...)

	config, err := json.Marshal(req.config)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.secretKeys...))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = req.pwd
	cmd.Env = append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT=true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return runResponse(fmt.Sprintf("could not run the program: %v", err), false), nil
		}
		if exit.ExitCode() == exitAfterActionableMessage {
			return runResponse("", true), nil
		}
		return runResponse(fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode()), false), nil
	}
	return runResponse("", false), nil
}

// RunPluginResponse's oneof: stdout (1), stderr (2), exitcode (3).
func output(field protowire.Number, p []byte) *frame {
	return &frame{data: protowire.AppendBytes(protowire.AppendTag(nil, field, protowire.BytesType), p)}
}

func exitcode(code int) *frame {
	return &frame{data: protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), uint64(int32(code)))}
}

type writerFunc func([]byte) error

func (w writerFunc) Write(p []byte) (int, error) {
	if err := w(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// runPlugin runs a Node.js plugin (a policy pack) with the SDK's plugin runner from the plugin's own dependencies.
func runPlugin(_ any, stream grpc.ServerStream) error {
	in := &frame{}
	if err := stream.RecvMsg(in); err != nil {
		return err
	}
	req, err := parseRunPlugin(in.data)
	if err != nil {
		return fmt.Errorf("RunPlugin request: %w", err)
	}
	resolve := exec.Command("node", "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-plugin'))")
	resolve.Dir = req.dir
	runner, err := resolve.Output()
	if err != nil {
		return fmt.Errorf("the plugin in %q has no @pulumi/pulumi to run it with: %w", req.dir, err)
	}
	cmd := exec.Command("node", append([]string{string(runner), req.dir}, req.args...)...)
	// In the plugin's directory, where a policy pack's @pulumi/policy reads its package.json (name and version);
	// the engine's pwd is the program's directory.
	cmd.Dir = req.dir
	cmd.Env = append(os.Environ(), req.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout = writerFunc(func(p []byte) error { return stream.SendMsg(output(1, p)) })
	cmd.Stderr = writerFunc(func(p []byte) error { return stream.SendMsg(output(2, p)) })
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = exit.ExitCode()
	}
	return stream.SendMsg(exitcode(code))
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The engine starts a plugin with its arguments and reads the port it listens on from its first line of output.
	host := exec.Command(filepath.Join(filepath.Dir(self), wrappedName), os.Args[1:]...)
	host.Stderr = os.Stderr
	host.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := host.StdoutPipe()
	if err != nil {
		return err
	}
	if err := host.Start(); err != nil {
		return err
	}
	defer func() { _ = host.Process.Kill() }()
	lines := bufio.NewReader(out)
	first, err := lines.ReadString('\n')
	if err != nil {
		return fmt.Errorf("%s printed no port: %w", wrappedName, err)
	}
	go func() { _, _ = io.Copy(os.Stdout, lines) }()

	target, err := grpc.Dial("127.0.0.1:"+strings.TrimSpace(first),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer(grpc.ForceServerCodec(codec{}), grpc.UnknownServiceHandler(forward(target)),
		grpc.MaxRecvMsgSize(1<<30), grpc.MaxSendMsgSize(1<<30))
	// Only Run and RunPlugin are registered: every other method of the service goes to the unknown-call handler.
	parseHostArgs(os.Args[1:])
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "pulumirpc.LanguageRuntime",
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Run", Handler: runProgram}},
		Streams:     []grpc.StreamDesc{{StreamName: "RunPlugin", ServerStreams: true, Handler: runPlugin}},
	}, struct{}{})
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)

	go func() {
		_ = host.Wait()
		server.Stop()
	}()
	return server.Serve(listener)
}
