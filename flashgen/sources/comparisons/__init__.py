"""Cards from comparison sections: a heading such as ``### L1 vs. L2`` and what it holds.

A comparison is a heading naming two or more things joined by ``vs``, ``vs.`` or
``versus`` (:mod:`.names` reads and matches the names); :mod:`.sections` finds its
section and the items in it; :mod:`.cards` makes an item card per item, a "which one?"
card per fact that only one item has, or, when no items are found, one difference card.
"""
