using System.Text;
using MasterSocket.Benchmarks.Micro;
using MasterSocket.Broker.Routing;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// Allocation budgets CI can check cheaply (issue 4): routing a message on the steady path allocates
/// nothing. A budget measured with the runtime's per-thread allocation counter: everything below
/// runs synchronously on this thread (the in-memory connections start no send loops).
/// </summary>
public sealed class AllocationBudgetTests
{
    private const int Messages = 2_000;

    [TestCase("GROUP", 100, 1)]
    [TestCase("GLOBAL", 100, 1)]
    [TestCase("DIRECT", 1, 1)]
    [TestCase("GROUP", 100, 10, TestName = "Routing GROUP messages ten to a read allocates nothing on the steady path")]
    [TestCase("GLOBAL", 100, 10, TestName = "Routing GLOBAL messages ten to a read allocates nothing on the steady path")]
    [TestCase("DIRECT", 1, 10, TestName = "Routing DIRECT messages ten to a read allocates nothing on the steady path")]
    public void Routing_a_message_allocates_nothing_on_the_steady_path(string target, int recipients, int perRead)
    {
        var broker = new InMemoryBroker();
        var (sender, senderConnection) = broker.Identify("publisher", "service");
        var members = Enumerable.Range(0, recipients).Select(i => broker.Identify($"m{i}", "client", "room").Connection).ToList();
        var identifier = target switch
        {
            "GROUP" => "\"room\"",
            "DIRECT" => $"\"{broker.Registry.Everyone.Snapshot().First(s => s.Name == "m0").ClientId}\"",
            _ => "null",
        };
        var message = Encoding.UTF8.GetBytes(
            $$$"""{"id":"m-1","op":0,"event":"TICK","data":{"x":1,"text":"{{{new string('a', 150)}}}"},"intent":{"target":"{{{target}}}","identifier":{{{identifier}}}}}""");

        void RouteOnce()
        {
            // No NUnit constraint in here: building one allocates, and this loop is what is measured.
            // Several messages to a read: held and queued together at its end (ReadBatch).
            if (perRead > 1)
            {
                ReadBatch.Open();
            }

            for (var i = 0; i < perRead; i++)
            {
                if (sender.OnMessage(message) is not null)
                {
                    throw new InvalidOperationException("routing an EVENT must complete synchronously");
                }
            }

            if (perRead > 1)
            {
                ReadBatch.Close();
            }

            foreach (var member in members)
            {
                member.Drain();
            }
        }

        for (var i = 0; i < 200; i++)
        {
            RouteOnce(); // warm up: pools, queues and JIT tiers settle
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Messages / perRead; i++)
        {
            RouteOnce();
        }

        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Messages;
        Assert.That(senderConnection.Queued, Is.Zero, "no error came back to the sender");
        Assert.That(perMessage, Is.LessThan(1.0), $"routing {target} to {recipients} allocated {perMessage:F1} bytes per message");
    }

    [Test]
    public void A_broadcast_is_encoded_once_and_every_recipient_gets_the_same_bytes()
    {
        var broker = new InMemoryBroker();
        var (sender, _) = broker.Identify("publisher", "service");
        var members = Enumerable.Range(0, 50).Select(i => broker.Identify($"m{i}", "client").Connection).ToList();
        sender.OnMessage("""{"id":"b","op":0,"event":"ALL","data":[1,2,3]}"""u8.ToArray());

        var seen = new List<string>();
        foreach (var member in members)
        {
            Assert.That(member.Drain(seen.Add), Is.EqualTo(1));
        }

        Assert.That(seen.Distinct().Count(), Is.EqualTo(1));
        Assert.That(seen[0], Does.Contain("\"data\":[1,2,3]").And.Contain($"\"from\":\"{sender.ClientId}\""));
    }
}
