"""dossier.render.pdf.weasy: the narrowing helpers check at run time what they tell
mypy (pydyf ships no types, so nothing else would)."""

from __future__ import annotations

import pydyf

from dossier.render.pdf.weasy import is_array, is_dictionary, is_string


def test_a_pydyf_dictionary_is_one_and_a_plain_dict_is_not() -> None:
    element = pydyf.Dictionary({"Type": "/StructElem"})
    assert is_dictionary(element)
    assert not is_dictionary({"Type": "/StructElem"})  # no object number, no reference
    assert not is_dictionary(b"12 0 R")


def test_arrays_and_strings() -> None:
    assert is_array(pydyf.Array([1, 2])) and is_array([])
    assert not is_array((1, 2))
    assert is_string(pydyf.String("p0-12-0-0"))
    assert not is_string("p0-12-0-0")
