namespace MasterSocket.Broker.Transport;

/// <summary>
/// How .NET's socket engine on Linux runs our completions. By default its epoll thread hands every
/// completed receive to the thread pool, so each message a client sends costs a thread switch
/// before the broker even parses it. With inline completions the epoll thread runs the receive
/// loop itself: parse, route and queue happen on the thread that saw the data, one engine thread
/// per core. Our receive loop never blocks (it awaits only the socket, and an IDENTIFY's credential
/// check as a task), which is what inline completions require. Measured on the load tool's direct
/// scenario: ~15 % less CPU per message (docs/benchmarks.md).
/// <para>
/// The runtime reads the variable once, when the first socket operation starts the engine; so it
/// is set at the top of Program.cs, before the host is built, and an operator's own value
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>) wins.
/// </para>
/// </summary>
public static class SocketEngine
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on for this process unless the environment already says.</summary>
    public static void PreferInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }

    /// <summary>
    /// How the hot path receives and sends: "native" when it calls <c>recv</c> and <c>sendmsg</c>
    /// itself (<see cref="NativeSocket"/>, 64-bit Linux), ".NET" when everything goes through
    /// <see cref="System.Net.Sockets.Socket"/>. For the start-up log.
    /// </summary>
    public static string CallPath => NativeSocket.IsSupported ? "native" : ".NET";

    /// <summary>What the runtime will use (or used, once any socket has been used): for the start-up log.</summary>
    public static string CompletionMode =>
        Environment.GetEnvironmentVariable(InlineCompletionsVariable) == "1" ? "inline" : "thread pool";
}
