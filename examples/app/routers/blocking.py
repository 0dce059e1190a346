import time

from fastapi import APIRouter

router = APIRouter(prefix="/blocking", tags=["blocking"])


@router.get("/sleep")
async def sleepy():
    time.sleep(0.01)
    return {"slept": True}
