using System.Net;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.WebSockets;
using Microsoft.Extensions.Logging;

namespace MasterSocket.Broker;

/// <summary>
/// Every log line of the broker, source-generated (no boxing or formatting unless the level is on).
/// EventId ledger: 1xx transport, 2xx sessions and auth, 3xx routing, 9xx host. Never log a token
/// or a message body at Information or above.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Listening for WebSocket clients on {EndPoint}, path /ws")]
    public static partial void Listening(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(101, LogLevel.Warning, "Accept failed; the listener keeps going")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(102, LogLevel.Debug, "Connection {ConnectionId} upgraded from {RemoteEndPoint}, subprotocol {Subprotocol}")]
    public static partial void Upgraded(ILogger logger, long connectionId, IPEndPoint? remoteEndPoint, string? subprotocol);

    [LoggerMessage(103, LogLevel.Debug, "Connection {ConnectionId} upgrade refused with {StatusCode}: {Reason}")]
    public static partial void UpgradeRefused(ILogger logger, long connectionId, int statusCode, string reason);

    [LoggerMessage(104, LogLevel.Debug, "Connection {ConnectionId} broke the protocol, closing with {CloseCode}: {Reason}")]
    public static partial void ProtocolFault(ILogger logger, long connectionId, CloseCode closeCode, string reason);

    [LoggerMessage(105, LogLevel.Debug, "Connection {ConnectionId} ended: {EndReason}")]
    public static partial void ConnectionEnded(ILogger logger, long connectionId, EndReason endReason);

    [LoggerMessage(106, LogLevel.Error, "Connection {ConnectionId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(107, LogLevel.Debug, "Connection {ConnectionId} disconnected with {Code}: {Reason}")]
    public static partial void Disconnecting(ILogger logger, long connectionId, string code, string reason);

    [LoggerMessage(200, LogLevel.Debug, "Client {ClientId} ({Name}, {Role}) identified on connection {ConnectionId}, groups {Groups}")]
    public static partial void Identified(ILogger logger, string clientId, string? name, string role, long connectionId, IReadOnlyList<string> groups);

    [LoggerMessage(201, LogLevel.Information, "IDENTIFY refused on connection {ConnectionId}: {Reason}")]
    public static partial void AuthFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(900, LogLevel.Warning, "Auth mode is None: any client may connect as anyone. Development only: set Broker:Auth:Mode to Keys or Jwt before exposing this broker")]
    public static partial void AuthDisabled(ILogger logger);

    [LoggerMessage(901, LogLevel.Information, "Node {NodeId} started: WebSocket port {Port}, auth {AuthMode}, socket completions {SocketCompletions}, socket calls {SocketCalls}")]
    public static partial void Started(ILogger logger, string nodeId, int port, string authMode, string socketCompletions, string socketCalls);

    [LoggerMessage(902, LogLevel.Information, "Shutting down: disconnecting {Count} connections")]
    public static partial void ShuttingDown(ILogger logger, int count);

    [LoggerMessage(903, LogLevel.Warning, "This is a Debug build: the JIT does not optimize it and it routes about 5 times slower. Build with -c Release (dotnet run -c Release --project Broker, or the container) for anything measured or deployed")]
    public static partial void UnoptimizedBuild(ILogger logger);
}
