using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary><see cref="LifoPool{T}"/>: the item returned last comes out first, and the bound holds.</summary>
public sealed class LifoPoolTests
{
    [Test]
    public void Hands_out_the_item_returned_last_and_refuses_past_its_capacity()
    {
        var pool = new LifoPool<object>(capacity: 2);
        var (a, b, c) = (new object(), new object(), new object());

        Assert.That(pool.TryRent(), Is.Null, "empty");
        Assert.That(pool.TryReturn(a), Is.True);
        Assert.That(pool.TryReturn(b), Is.True);
        Assert.That(pool.TryReturn(c), Is.False, "full: the caller drops it");

        Assert.That(pool.TryRent(), Is.SameAs(b));
        Assert.That(pool.TryRent(), Is.SameAs(a));
        Assert.That(pool.TryRent(), Is.Null);
    }

    [Test]
    public void Many_threads_renting_and_returning_never_lose_or_duplicate_an_item()
    {
        const int Items = 64;
        var pool = new LifoPool<object>(Items);
        var all = Enumerable.Range(0, Items).Select(_ => new object()).ToList();
        foreach (var item in all)
        {
            pool.TryReturn(item);
        }

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                if (pool.TryRent() is { } item && !pool.TryReturn(item))
                {
                    throw new InvalidOperationException("a pool holding at most its own items was full");
                }
            }
        });

        var left = new List<object>();
        while (pool.TryRent() is { } item)
        {
            left.Add(item);
        }

        Assert.That(left, Is.EquivalentTo(all), "every item came back exactly once");
    }
}
