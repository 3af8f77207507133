"""Whether a folded token is a well-formed Vietnamese syllable (onset + rime, tones removed).

Folded Vietnamese is dense: most real syllables are one letter from another real one ("bụng"
/"dùng", "bóng"/"công"). A token that is itself a syllable was most likely typed as meant, so
the matcher does not "correct" it into an FAQ word by a changed letter, only by two swapped
letters ("khua" for "khau"). Tokens that no Vietnamese syllable spells ("kahi", "dnag") are the
typos worth correcting.
"""

from __future__ import annotations

import functools

_ONSET_LIST = "b c ch d g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"
# Rimes after folding (ă/â -> a, ê -> e, ô/ơ -> o, ư -> u) and the y -> i respelling.
_RIME_LIST = """a ac ach ai am an ang anh ao ap at au ay
    e ec ech em en eng enh eo ep et eu
    i ia ic ich iec iem ien ieng iep iet ieu im in inh ip it iu
    o oa oac oach oai oam oan oang oanh oao oap oat oay oc oe oen oeo oet oi om on ong
    ooc oong op ot
    u ua uac uach uai uan uang uanh uat uay uc ue uech uen uenh uet ui um un ung uo uoc uoi
    uom uon uong uop uot uou up ut uu
    uy uya uych uyen uyet uynh uyu
    y yem yen yet yeu"""
_ONSETS = frozenset(_ONSET_LIST.split()) | {""}
_RIMES = frozenset(_RIME_LIST.split())


@functools.lru_cache(maxsize=4096)
def is_syllable(token: str) -> bool:
    """True for e.g. "bung", "quyen", "nghieng"; False for "kahi", "dnag", "vneid"."""
    for cut in range(min(len(token), 3), -1, -1):
        if token[:cut] in _ONSETS and token[cut:] in _RIMES:
            return True
    return False
