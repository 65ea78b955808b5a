using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The gate the two servers' publishers take turns through (--interleave): closed, no batch gets
/// in; Close returns only after the batch inside has been sent; a waiting publisher resumes on Open.
/// </summary>
public class TrafficGateTests
{
    [Test]
    public void An_open_gate_lets_batches_in_and_a_closed_one_none()
    {
        var gate = new TrafficGate();
        Assert.That(gate.TryEnter(), Is.True);
        gate.Exit();

        gate.Close();
        Assert.That(gate.IsOpen, Is.False);
        Assert.That(gate.TryEnter(), Is.False);

        gate.Open();
        Assert.That(gate.TryEnter(), Is.True);
        gate.Exit();
    }

    [Test]
    public async Task Close_returns_only_once_the_batch_inside_is_sent()
    {
        var gate = new TrafficGate();
        Assert.That(gate.TryEnter(), Is.True);
        var sent = false;
        var sender = Task.Run(async () =>
        {
            await Task.Delay(200);
            Volatile.Write(ref sent, true);
            gate.Exit();
        });

        await Task.Run(gate.Close);

        Assert.That(Volatile.Read(ref sent), Is.True, "Close waited for the batch that was already inside");
        await sender;
    }

    [Test]
    public async Task A_publisher_waiting_at_a_closed_gate_goes_on_when_it_opens()
    {
        var gate = new TrafficGate(open: false);
        var waiting = gate.WaitOpenAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.That(waiting.IsCompleted, Is.False);

        gate.Open();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(gate.WaitOpenAsync(CancellationToken.None).IsCompleted, Is.True, "an open gate does not make anyone wait");
        gate.Close();
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.WaitOpenAsync(cancel.Token);
        await cancel.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
    }
}
