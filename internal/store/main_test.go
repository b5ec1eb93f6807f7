package store

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// A go-redis client may dial as soon as it exists, so Open's tests
		// and fuzz seeds, whose hosts are made up ("h"), start DNS lookups
		// that the standard library ends on its own, by the resolver's
		// timeout, whatever the store does.
		goleak.IgnoreAnyFunction("net.(*Resolver).lookupIPAddr.func2"),
		goleak.IgnoreAnyFunction("net.(*Resolver).goLookupIPCNAMEOrder"),
		goleak.IgnoreAnyFunction("net.(*Resolver).goLookupIPCNAMEOrder.func3.1"),
	)
}
