using System.Net;
using System.Net.Sockets;
using MasterSocket.Broker.Options;
using MasterSocket.Protocol.Envelopes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// Accepts TCP connections on <c>Broker:Port</c> and starts a <see cref="Connection"/> for each.
/// An accept error (a reset before accept, running out of descriptors) is logged and survived; only
/// stopping ends the loop. Stopping drains the node (PROTOCOL.md 8): DISCONNECT SHUTDOWN to every
/// client, flush, then close what is left when <c>Broker:ShutdownTimeout</c> runs out.
/// </summary>
public sealed class SocketListener(BrokerRuntime runtime, ILogger<SocketListener> logger) : IHostedLifecycleService
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listenSocket;
    private Task? _acceptLoop;

    /// <summary>The address actually bound (port 0 in configuration becomes a real port here).</summary>
    public Task<IPEndPoint> BoundEndPoint => _bound.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = runtime.Options;
        var address = IPAddress.Parse(options.BindAddress);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(address, options.Port));
        // The kernel's limit (net.core.somaxconn), not a small constant: a connect storm (every game
        // client reconnecting after a node restart, a benchmark opening thousands at once) waits in
        // the queue instead of having its SYNs dropped and retried a second later.
        socket.Listen();
        _listenSocket = socket;
        var endPoint = (IPEndPoint)socket.LocalEndPoint!;
        _bound.TrySetResult(endPoint);
        Log.Listening(logger, endPoint);
        Log.Started(logger, runtime.NodeId, endPoint.Port, options.Auth.Mode?.ToString() ?? "None", SocketEngine.CompletionMode, SocketEngine.CallPath);
        if (options.Auth.Mode is null or AuthMode.None)
        {
            Log.AuthDisabled(logger);
        }

        if (!BuildFlavor.IsOptimized)
        {
            Log.UnoptimizedBuild(logger);
        }

        _acceptLoop = AcceptLoopAsync(socket);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listenSocket)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listenSocket.AcceptAsync(CancellationToken.None).ConfigureAwait(false); // the ValueTask overload: no Task per accept
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // ECONNABORTED, EMFILE and friends: this one connection is lost, the listener is not.
                Log.AcceptFailed(logger, ex);
                await Task.Delay(ex.SocketErrorCode == SocketError.TooManyOpenSockets ? 50 : 0).ConfigureAwait(false);
                continue;
            }

            client.NoDelay = true;
            var connection = new Connection(runtime.Connections.NextId(), client, runtime);
            runtime.Connections.Add(connection);
            connection.Start();
        }
    }

    /// <summary>
    /// Drains before any service stops (IHostedLifecycleService.StoppingAsync), so the admin port is
    /// still up and <c>/readyz</c> answers 503 meanwhile: stop accepting, DISCONNECT SHUTDOWN every
    /// client, and wait for their close handshakes until <c>Broker:ShutdownTimeout</c>.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        runtime.IsAccepting = false;
        _listenSocket?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        var connections = runtime.Connections.All.ToList();
        Log.ShuttingDown(logger, connections.Count);
        foreach (var connection in connections)
        {
            if (connection.Session is null)
            {
                connection.Abort(EndReason.Shutdown);
            }
            else
            {
                connection.Disconnect(DisconnectCode.Shutdown, "the node is shutting down: reconnect to another node");
            }
        }

        var deadline = Environment.TickCount64 + (long)runtime.Options.ShutdownTimeout.TotalMilliseconds;
        while (runtime.Connections.Count > 0 && Environment.TickCount64 < deadline && !cancellationToken.IsCancellationRequested)
        {
            // The heartbeat monitor may already be stopped: enforce the close deadlines here.
            var now = Environment.TickCount64;
            foreach (var connection in runtime.Connections.All)
            {
                connection.OnTick(now);
            }

            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Whatever did not finish its close handshake in time is closed now.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var connection in runtime.Connections.All)
        {
            connection.Abort(EndReason.Shutdown);
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
