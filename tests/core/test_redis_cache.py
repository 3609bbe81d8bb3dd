"""The Redis cache backend (configured when REDIS_URL is set, as in CI, where the whole
suite's caching goes through it): every call reuses one client per connection pool."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.cache import RedisCache


def test_every_call_reuses_one_client_per_pool():
    # Building clients opens no connection: no server is needed to compare them.
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    client = cache._cache

    reading, again, writing = (
        client.get_client(),
        client.get_client(),
        client.get_client(write=True),
    )

    assert isinstance(cache, DjangoRedisCache)
    assert reading is again
    # One server: reads and writes share its pool, and so the client.
    assert reading is writing
    assert reading.connection_pool is client._get_connection_pool(write=False)


def test_replicas_get_clients_of_their_own():
    cache = RedisCache("redis://127.0.0.1:6379/15,redis://127.0.0.1:6380/15", {})
    client = cache._cache

    writing, reading = client.get_client(write=True), client.get_client()

    assert writing is not reading
    assert writing is client.get_client(write=True) and reading is client.get_client()
    assert writing.connection_pool.connection_kwargs["port"] == 6379
    assert reading.connection_pool.connection_kwargs["port"] == 6380
