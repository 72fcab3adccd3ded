// Command pulumi-language-nodejs fronts the Node.js language host that the Go module proxy serves (v3.68.0, built
// by scripts/install-live-tools.sh as pulumi-language-nodejs-v3.68.0 beside this binary) for the newer engine.
//
// Why: an engine that finds a Node.js language host runs TypeScript policy packs (`--policy-pack`) through the
// host's RunPlugin call, which v3.68.0 answers with "not supported"; the proxy serves no newer host (403). This
// front starts that host, passes every other call through to it unchanged, and answers RunPlugin itself as the
// Node.js SDK expects: `node <the plugin's @pulumi/pulumi>/cmd/run-plugin <plugin directory> <args>`, its output
// streamed back to the engine.
//
// RunPlugin's request and response are read and written field by field (protowire): v3.68.0's generated types
// predate the request's `info` field, which carries the plugin's directory.
package main

import (
	"bufio"
	"context"
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
	// Only RunPlugin is registered: every other method of the service goes to the unknown-call handler above.
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "pulumirpc.LanguageRuntime",
		HandlerType: (*any)(nil),
		Streams:     []grpc.StreamDesc{{StreamName: "RunPlugin", ServerStreams: true, Handler: runPlugin}},
	}, struct{}{})
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)

	go func() {
		_ = host.Wait()
		server.Stop()
	}()
	return server.Serve(listener)
}
