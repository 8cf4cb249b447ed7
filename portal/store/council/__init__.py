"""议事厅 and 五民工作法: residents propose, discuss, decide, do and judge.

Documents of a community::

    communities/<cid>/council        residents (who lives where, room by room), halls
                                     (a hall's own vote mode), proposals, comments,
                                     meetings, votes (windows and frozen tallies),
                                     progress, ratings
    communities/<cid>/ballots-<vid>-<0-f>  one vote's ballots in 16 parts: one row per
                                     household or person (by a digest)

Modules: ``halls`` (the three levels of 议事厅, residents, who is in scope),
``proposals`` (民事民提: propose, support, merge, decline), ``discussion`` (民事民议:
comments, meetings, sign-in, minutes), ``votes`` (民事民决), ``doing`` (民事民办 and 民事民评:
the project, its progress, ratings) and ``board`` (a hall's public page, the figures).
"""
