using System.Text;
using MasterSocket.Benchmarks.Micro;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="LocalClientRegistry"/> keyed by the clientId's UTF-8 bytes (<see cref="Utf8Key"/>,
/// <see cref="Utf8KeyComparer"/>): lookups by span, many keys in few buckets, removal, and DIRECT
/// routing through it.
/// </summary>
public sealed class ClientRegistryTests
{
    [Test]
    public void Every_identified_session_is_found_by_a_copy_of_its_id_bytes()
    {
        // 2,000 keys share the dictionary's buckets: each lookup must still find its own session.
        var broker = new InMemoryBroker();
        var sessions = Enumerable.Range(0, 2_000).Select(i => broker.Identify($"c{i}", "client").Session).ToList();

        Assert.That(broker.Registry.Count, Is.EqualTo(2_000));
        foreach (var session in sessions)
        {
            var copy = session.ClientIdUtf8.ToArray(); // not the array the registry holds
            Assert.That(broker.Registry.TryFindLocal(copy, out var found), Is.True);
            Assert.That(found, Is.SameAs(session));
        }
    }

    [Test]
    public void Client_ids_are_36_byte_uuids_and_the_text_form_matches_the_bytes()
    {
        var session = new InMemoryBroker().Identify("a", "client").Session;
        Assert.That(session.ClientIdUtf8, Has.Length.EqualTo(36));
        Assert.That(Guid.TryParseExact(session.ClientId, "D", out _), Is.True);
        Assert.That(Encoding.UTF8.GetBytes(session.ClientId), Is.EqualTo(session.ClientIdUtf8));
    }

    [Test]
    public void Bytes_that_are_not_exactly_an_id_find_nobody()
    {
        var broker = new InMemoryBroker();
        var id = broker.Identify("a", "client").Session.ClientIdUtf8;

        var lastByteChanged = id.ToArray();
        lastByteChanged[^1] ^= 1;
        var upperCase = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(id).ToUpperInvariant());
        byte[][] misses = [lastByteChanged, id[..^1], [.. id, (byte)'0'], [], upperCase, "é日本"u8.ToArray()];

        foreach (var miss in misses)
        {
            Assert.That(broker.Registry.TryFindLocal(miss, out var found), Is.False, Encoding.UTF8.GetString(miss));
            Assert.That(found, Is.Null);
        }
    }

    [Test]
    public void An_ended_session_leaves_the_registry_and_the_others_stay()
    {
        var broker = new InMemoryBroker();
        var leaving = broker.Identify("leaving", "client").Session;
        var staying = broker.Identify("staying", "client").Session;

        leaving.OnEnded();
        broker.Registry.Unregister(leaving); // a second removal is harmless

        Assert.That(leaving.State, Is.EqualTo(SessionState.Ended));
        Assert.That(broker.Registry.TryFindLocal(leaving.ClientIdUtf8, out _), Is.False);
        Assert.That(broker.Registry.TryFindLocal(staying.ClientIdUtf8, out var found), Is.True);
        Assert.That(found, Is.SameAs(staying));
        Assert.That(broker.Registry.Count, Is.EqualTo(1));
        Assert.That(broker.Registry.Everyone.Snapshot(), Is.EqualTo(new[] { staying }));
    }

    [Test]
    public void DIRECT_finds_its_target_by_the_unescaped_bytes()
    {
        var broker = new InMemoryBroker();
        var (sender, senderConnection) = broker.Identify("sender", "client");
        var (target, targetConnection) = broker.Identify("target", "client");

        // The same id with every '-' written as a JSON escape: the router looks up what it decodes.
        var escaped = target.ClientId.Replace("-", "\\u002d", StringComparison.Ordinal);
        sender.OnMessage(Encoding.UTF8.GetBytes($$$"""{"id":"d","op":0,"event":"E","intent":{"target":"DIRECT","identifier":"{{{escaped}}}"}}"""));

        var delivered = new List<string>();
        Assert.That(targetConnection.Drain(delivered.Add), Is.EqualTo(1));
        Assert.That(delivered[0], Does.Contain($"\"from\":\"{sender.ClientId}\""));
        Assert.That(senderConnection.Queued, Is.Zero, "no NOT_FOUND came back");
    }

    [Test]
    public void Comparer_matches_keys_and_spans_byte_for_byte_including_non_ASCII()
    {
        var composed = "é"u8.ToArray();             // U+00E9
        var decomposed = "e\u0301"u8.ToArray();     // e + combining acute: the same text to a reader, other bytes
        var keys = new Dictionary<Utf8Key, string>(Utf8KeyComparer.Instance)
        {
            [new Utf8Key(composed)] = "composed",
            [new Utf8Key(decomposed)] = "decomposed",
            [new Utf8Key("日本"u8.ToArray())] = "cjk",
        };
        var bySpan = keys.GetAlternateLookup<ReadOnlySpan<byte>>();

        Assert.That(bySpan.TryGetValue("é"u8, out var value) ? value : null, Is.EqualTo("composed"));
        Assert.That(bySpan.TryGetValue("e\u0301"u8, out value) ? value : null, Is.EqualTo("decomposed"));
        Assert.That(bySpan.TryGetValue("日本"u8, out value) ? value : null, Is.EqualTo("cjk"));
        Assert.That(bySpan.TryGetValue("日"u8, out _), Is.False);
        Assert.That(Utf8KeyComparer.Instance.Equals(new Utf8Key(composed), new Utf8Key("é"u8.ToArray())), Is.True);
        Assert.That(Utf8KeyComparer.Instance.GetHashCode(new Utf8Key(composed)), Is.EqualTo(Utf8KeyComparer.Instance.GetHashCode("é"u8)));
    }

    [Test]
    public void A_key_added_by_span_owns_a_copy_of_the_bytes()
    {
        var keys = new Dictionary<Utf8Key, int>(Utf8KeyComparer.Instance);
        var bySpan = keys.GetAlternateLookup<ReadOnlySpan<byte>>();
        var source = "client-1"u8.ToArray();

        Assert.That(bySpan.TryAdd(source, 1), Is.True);
        source[0] = (byte)'X'; // the caller reuses its buffer

        Assert.That(bySpan.TryGetValue("client-1"u8, out var value), Is.True);
        Assert.That(value, Is.EqualTo(1));
        Assert.That(bySpan.ContainsKey(source), Is.False);
    }
}
