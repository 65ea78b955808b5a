using System.Collections.Concurrent;

namespace MasterSocket.Benchmarks.Load;

/// <summary>A run that lost, duplicated, reordered or misrouted a message, or could not run at all.</summary>
public sealed class LoadRunFailedException(string message) : Exception(message);

/// <summary>
/// The correctness ledger of one run: receivers report every problem here (from their receive loops,
/// so nothing throws there); the first problem cancels the run, and the run then fails with every
/// problem recorded (up to a bound), naming scenario, server, receiver and sequence.
/// </summary>
public sealed class Verification(string scenario, ServerKind server)
{
    private const int MaxRecorded = 20;
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly CancellationTokenSource _abort = new();
    private int _count;

    public string Scenario { get; } = scenario;
    public ServerKind Server { get; } = server;

    /// <summary>Cancelled at the first problem, so waits end at once.</summary>
    public CancellationToken Aborted => _abort.Token;

    public bool HasFailed => Volatile.Read(ref _count) > 0;

    public void Fail(string problem)
    {
        if (Interlocked.Increment(ref _count) <= MaxRecorded)
        {
            _problems.Enqueue(problem);
        }

        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Throws <see cref="LoadRunFailedException"/> if anything was reported.</summary>
    public void ThrowIfFailed()
    {
        var count = Volatile.Read(ref _count);
        if (count == 0)
        {
            return;
        }

        var lines = string.Join("\n  ", _problems);
        var more = count > MaxRecorded ? $"\n  ... and {count - MaxRecorded} more" : "";
        throw new LoadRunFailedException($"{Scenario} on {Server.Label()}: {count} problem(s):\n  {lines}{more}");
    }
}

/// <summary>
/// One receiver's view of the senders it hears from: the next sequence number expected from each.
/// Not thread-safe: it belongs to one connection's receive loop.
/// </summary>
public sealed class SequenceTracker(int senders)
{
    private readonly long[] _next = new long[senders];

    /// <summary>The next sequence expected from <paramref name="sender"/> (= how many arrived, in order).</summary>
    public long Next(int sender) => Volatile.Read(ref _next[sender]);

    /// <summary>Exactly once and in order: <paramref name="sequence"/> must be the next one from its sender.</summary>
    public bool Accept(int sender, long sequence, Verification verification, string receiver)
    {
        if ((uint)sender >= (uint)_next.Length)
        {
            verification.Fail($"{receiver}: misrouted message from sender {sender} (expects senders 0..{_next.Length - 1}), seq {sequence}");
            return false;
        }

        var expected = _next[sender];
        if (sequence == expected)
        {
            Volatile.Write(ref _next[sender], expected + 1);
            return true;
        }

        verification.Fail(sequence < expected
            ? $"{receiver}: seq {sequence} from sender {sender} arrived again or out of order (expected {expected})"
            : $"{receiver}: seq {expected}..{sequence - 1} from sender {sender} never arrived (got {sequence} next)");
        return false;
    }

    /// <summary>
    /// For a receiver that gets only some of a sender's messages (a NATS queue-group member): each must
    /// be later than the last one seen from that sender. Counts arrivals, not positions.
    /// </summary>
    public bool AcceptIncreasing(int sender, long sequence, Verification verification, string receiver, ref long lastSeen)
    {
        if (sequence <= lastSeen)
        {
            verification.Fail($"{receiver}: seq {sequence} from sender {sender} arrived after seq {lastSeen}");
            return false;
        }

        lastSeen = sequence;
        Volatile.Write(ref _next[sender], _next[sender] + 1);
        return true;
    }
}
